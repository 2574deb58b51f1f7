/**
 * `npm run check:examples`: starts the dev PocketBase setup of `npm run pb` (on free ports) and runs EVERY
 * example in examples/ against it, unattended: OTP codes come from the dev mailbox, the OAuth2 example plays
 * the browser itself, the worker runs 3 short rounds. Fails when any example exits non-zero.
 */
import { ENV_VARIABLES } from '../src/node/index.js'
import { startDevEnvironment } from './dev-environment.js'
import { listExamples, runExample } from './run-example.js'

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
} finally {
  await dev.stop()
}
if (failed.length > 0) {
  console.error(`\nFAILED examples: ${failed.join(', ')}`)
  process.exit(1)
}
console.log(`\nAll ${listExamples().length} examples passed.`)
