/**
 * `npm run example -- <name>`: runs `examples/<name>.ts` with tsx against `npm run pb` or the PocketBase of
 * your environment / `.env`. Imports of `pocketbase-auth` resolve to `src/` through examples/tsconfig.json,
 * so no build is needed.
 *
 * Defaults, used only when neither the environment nor `.env` sets them: POCKETBASE_URL
 * http://127.0.0.1:8090 and the superuser of `npm run pb`. DEV_MAILBOX_URL (where examples read OTP codes)
 * defaults to the `npm run pb` mailbox when one answers; otherwise the examples ask you to type the code.
 */
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'dotenv'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const examplesDir = path.join(root, 'examples')

/** Every runnable example (support files excluded). */
export function listExamples(): string[] {
  return readdirSync(examplesDir)
    .filter((file) => file.endsWith('.ts') && file !== 'support.ts')
    .map((file) => file.slice(0, -'.ts'.length))
    .sort()
}

/**
 * Spawns one example with tsx and the examples tsconfig; resolves to its exit code.
 * @param env - the child's complete environment.
 */
export function runExample(name: string, env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<number> {
  const tsxCli = createRequire(import.meta.url).resolve('tsx/cli')
  const child = spawn(
    process.execPath,
    [tsxCli, '--tsconfig', path.join(examplesDir, 'tsconfig.json'), path.join(examplesDir, `${name}.ts`)],
    { stdio: 'inherit', env, cwd: root },
  )
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          console.error(`example ${name}: no exit within ${timeoutMs} ms, killing it`)
          child.kill('SIGKILL')
        }, timeoutMs)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? (signal === null ? 1 : 128))
    })
  })
}

async function main(): Promise<void> {
  const name = process.argv[2]
  const examples = listExamples()
  if (name === undefined || !examples.includes(name)) {
    console.error(`Usage: npm run example -- <name>\nExamples: ${examples.join(', ')}`)
    process.exit(name === undefined ? 2 : 1)
  }
  const fromFile = existsSync(path.join(root, '.env')) ? parse(readFileSync(path.join(root, '.env'))) : {}
  const isSet = (key: string): boolean => (process.env[key] ?? fromFile[key] ?? '') !== ''
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (!isSet('POCKETBASE_URL')) env['POCKETBASE_URL'] = 'http://127.0.0.1:8090'
  if (!isSet('POCKETBASE_SUPERUSER_EMAIL') && !isSet('POCKETBASE_SUPERUSER_PASSWORD')) {
    env['POCKETBASE_SUPERUSER_EMAIL'] = 'admin@example.com'
    env['POCKETBASE_SUPERUSER_PASSWORD'] = 'Sup3rSecret!pw'
  }
  if (env['DEV_MAILBOX_URL'] === undefined) {
    const pbUrl = new URL(env['POCKETBASE_URL'] ?? fromFile['POCKETBASE_URL'] ?? 'http://127.0.0.1:8090')
    const mailbox = `http://127.0.0.1:${Number(pbUrl.port || 80) + 1}`
    if (await answers(`${mailbox}/latest?to=probe`)) env['DEV_MAILBOX_URL'] = mailbox
  }
  const code = await runExample(name, env)
  process.exit(code)
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(500) })
    await response.body?.cancel()
    return response.headers.get('content-type') === 'application/json'
  } catch {
    return false
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}
