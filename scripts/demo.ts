/**
 * `npm run demo`: the README's first command. Starts an embedded PocketBase with demo data and walks through
 * every flow of pocketbase-auth against it, then stops it (also on error or Ctrl-C). Exit code 0 on success.
 */
import {
  createAuthClient,
  createDbInterface,
  isAuthError,
  MfaRequiredError,
  type AuthClient,
  type AuthSession,
} from '../src/index.js'
import { DEMO_ACCOUNTS, startDevEnvironment, type DevEnvironment } from './dev-environment.js'

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const isTTY = process.stdout.isTTY === true
const clients: AuthClient[] = []
let dev: DevEnvironment | undefined

/** Runs one step with a spinner (a plain line when not on a terminal) and its duration. */
async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now()
  let frame = 0
  const spinner = isTTY
    ? setInterval(() => process.stdout.write(`\r${FRAMES[frame++ % FRAMES.length]} ${title}`), 80)
    : undefined
  if (!isTTY) console.log(`… ${title}`)
  try {
    const result = await run()
    clearInterval(spinner)
    console.log(`${isTTY ? '\r' : ''}✔ ${title} (${Date.now() - started} ms)`)
    return result
  } catch (error) {
    clearInterval(spinner)
    console.log(`${isTTY ? '\r' : ''}✖ ${title}`)
    throw error
  }
}

const detail = (text: string): void => console.log(`    ${text}`)
const redact = (token: string): string => `${token.slice(0, 6)}…[redacted, ${token.length} chars]`
const time = (epochMs: number): string => new Date(epochMs).toISOString()

function showSession(session: AuthSession): void {
  detail(`record       ${session.collectionName}/${session.recordId} (${String(session.record['email'])})`)
  detail(`expiresAt    ${time(session.expiresAt)}  refreshable: ${session.refreshable}`)
  detail(`token        ${redact(session.token)}`)
}

function track(client: AuthClient): AuthClient {
  clients.push(client)
  return client
}

async function cleanUp(): Promise<void> {
  for (const client of clients) client.dispose()
  await dev?.stop()
}

process.once('SIGINT', () => {
  console.log('\nInterrupted: stopping PocketBase…')
  void cleanUp().finally(() => process.exit(130))
})

async function main(): Promise<void> {
  const { alice, carol } = DEMO_ACCOUNTS
  const env = await step('Starting an embedded PocketBase with demo data', () =>
    startDevEnvironment({ mailboxPort: false }),
  )
  dev = env
  detail(`PocketBase ${env.pb.url}  superuser ${env.pb.superuser.email}  user ${alice.email}`)

  const auth = track(createAuthClient({ url: env.pb.url }))
  auth.on('signedIn', () => detail('event: signedIn'))
  auth.on('tokenRefreshed', () => detail('event: tokenRefreshed'))
  auth.on('signedOut', ({ reason }) => detail(`event: signedOut (${reason})`))

  showSession(
    await step('Password sign-in as alice', () => auth.authWithPassword(alice.email, alice.password)),
  )

  await step('Wrong password gives a typed error', async () => {
    const error = await auth.authWithPassword(alice.email, 'wrong-password').catch((e: unknown) => e)
    if (!isAuthError(error) || error.code !== 'invalid_credentials')
      throw new Error('expected invalid_credentials')
    detail(`${error.name} code=${error.code} (the session is untouched: ${auth.isAuthenticated})`)
  })

  const refreshed = await step('Refresh the token (authRefresh)', () => auth.authRefresh())
  detail(`new expiresAt ${time(refreshed.expiresAt)}; getToken() then reuses it until the refresh window`)

  await step('OTP sign-in: request a code, read it from the mail sink, sign in', async () => {
    const { otpId } = await auth.requestOTP(alice.email)
    const code = await env.waitForOtpCode(alice.email)
    detail(`mail to ${alice.email} received (code not shown)`)
    showSession(await auth.authWithOTP(otpId, code))
  })

  const staff = track(createAuthClient({ url: env.pb.url, collection: 'staff' }))
  await step('MFA on "staff": password first, then an OTP with the mfaId', async () => {
    const error = await staff.authWithPassword(carol.email, carol.password).catch((e: unknown) => e)
    if (!(error instanceof MfaRequiredError)) throw new Error('expected MfaRequiredError')
    detail(
      `MfaRequiredError firstFactor=${error.firstFactor}, MFA session until ${time(error.expiresAt ?? 0)}`,
    )
    const { otpId } = await staff.requestOTP(carol.email)
    const session = await staff.authWithOTP(otpId, await env.waitForOtpCode(carol.email), {
      mfaId: error.mfaId,
    })
    detail(`signed in as ${String(session.record['email'])} with two factors`)
  })

  const admin = track(
    createAuthClient({
      url: env.pb.url,
      collection: '_superusers',
      credentials: () => ({ identity: env.pb.superuser.email, password: env.pb.superuser.password }),
    }),
  )
  const asAlice = await step('Superuser impersonates alice (non-refreshable child client)', async () => {
    await admin.getToken() // with `credentials`, the first getToken() signs in by itself
    detail(`superuser signed in: isSuperuser=${admin.isSuperuser}`)
    const child = track(await admin.impersonate(auth.session?.recordId ?? '', { durationSeconds: 300 }))
    showSession(child.session!)
    return child
  })

  await step('db-interface: records as alice, each request with a fresh token', async () => {
    const posts = createDbInterface(asAlice).collection<{ id: string; title: string; owner: string }>('posts')
    const created = await posts.create({ title: 'Hello from the demo', owner: asAlice.session!.recordId })
    await posts.update(created.id, { title: 'Hello again' })
    const page = await posts.getList(1, 10)
    detail(`alice's posts: ${page.items.map((post) => JSON.stringify(post.title)).join(', ')}`)
    await posts.delete(created.id)
    const users = await createDbInterface(admin).collection('users').getList(1, 1)
    detail(`as the superuser: ${users.totalItems} users`)
  })

  await step('Sign out (memory only: PocketBase has no server-side logout)', async () => {
    auth.logout()
    const error = await auth.getToken().catch((e: unknown) => e)
    detail(
      `isAuthenticated=${auth.isAuthenticated}; getToken() → ${isAuthError(error) ? error.code : 'no error?'}`,
    )
  })
}

try {
  await main()
  await step('Stopping PocketBase', cleanUp)
  console.log(
    '\nDone. Next: `npm run pb` for a server to play with, `npm run example -- password`, `npm test`.',
  )
} catch (error) {
  await cleanUp()
  console.error('\nThe demo failed:', isAuthError(error) ? error.toJSON() : error)
  process.exitCode = 1
}
