/**
 * `npm run check:examples`: starts the dev PocketBase setup of `npm run pb` (on free ports) and runs EVERY
 * example in examples/ against it, unattended: OTP codes come from the dev mailbox, the OAuth2 example plays
 * the browser itself, the worker runs 3 short rounds. Fails when any example exits non-zero.
 */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ENV_VARIABLES } from '../src/node/index.js'
import { DEMO_ACCOUNTS, startDevEnvironment } from './dev-environment.js'
import { listExamples, runExample } from './run-example.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * examples/web (the server-rendered app, as `examples/web/main.ts` starts it): one password sign-in with plain
 * `fetch`, then the home page must say who is signed in. The browser tests (test/browser/) cover the rest.
 */
async function smokeWebExample(env: NodeJS.ProcessEnv): Promise<boolean> {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli')
  const child = spawn(
    process.execPath,
    [tsx, '--tsconfig', path.join(root, 'examples/tsconfig.json'), path.join(root, 'examples/web/main.ts')],
    {
      cwd: root,
      env: { ...env, PORT: '0', POCKETBASE_COOKIE_SECRET: randomBytes(32).toString('base64') },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = ''
      const timer = setTimeout(() => reject(new Error('examples/web did not start within 60 s')), 60_000)
      child.stdout.setEncoding('utf8').on('data', (text: string) => {
        output += text
        const found = /listening on (http:\/\/\S+)/.exec(output)
        if (found?.[1] !== undefined) {
          clearTimeout(timer)
          resolve(found[1])
        }
      })
      child.once('exit', (code) => reject(new Error(`examples/web exited (${code}) before listening`)))
    })
    const { alice } = DEMO_ACCOUNTS
    const signIn = await fetch(`${url}/login/password`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: url, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: alice.email, password: alice.password }),
    })
    const cookie = signIn.headers
      .getSetCookie()
      .map((line) => line.split(';', 1)[0])
      .join('; ')
    const home = await (await fetch(url, { headers: { cookie } })).text()
    const ok = signIn.status === 303 && home.includes(`Signed in as ${alice.email}`)
    console.log(
      `examples/web: sign-in ${signIn.status}, home page ${ok ? 'shows' : 'does NOT show'} ${alice.email}`,
    )
    return ok
  } catch (error) {
    console.error(`examples/web: ${error instanceof Error ? error.message : String(error)}`)
    return false
  } finally {
    child.stdin.end()
    await exited
  }
}

const dev = await startDevEnvironment()
const failed: string[] = []
try {
  // Every variable loadEnv reads is set explicitly (blank means unset), so a developer's .env cannot leak in.
  const blank = Object.fromEntries(ENV_VARIABLES.map((name) => [name, '']))
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...blank,
    POCKETBASE_URL: dev.pb.url,
    POCKETBASE_SUPERUSER_EMAIL: dev.pb.superuser.email,
    POCKETBASE_SUPERUSER_PASSWORD: dev.pb.superuser.password,
    DEV_MAILBOX_URL: dev.mailboxUrl,
    EXAMPLE_FOLLOW_AUTH_URL: '1',
    WORKER_ROUNDS: '3',
    WORKER_INTERVAL_MS: '200',
  }
  for (const name of listExamples()) {
    console.log(`\n── example ${name} ──`)
    const started = Date.now()
    const code = await runExample(name, env, 60_000)
    console.log(`── ${name}: exit ${code} (${Date.now() - started} ms)`)
    if (code !== 0) failed.push(name)
  }
  console.log('\n── example web ──')
  if (!(await smokeWebExample({ ...env, POCKETBASE_URL: dev.pb.url }))) failed.push('web')
} finally {
  await dev.stop()
}
if (failed.length > 0) {
  console.error(`\nFAILED examples: ${failed.join(', ')}`)
  process.exit(1)
}
console.log(`\nAll ${listExamples().length + 1} examples passed (the web app included).`)
