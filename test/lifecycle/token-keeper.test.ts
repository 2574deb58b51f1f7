import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  createAuthClient,
  type AuthClient,
  type AuthClientOptions,
  type LogContext,
  type Logger,
} from '../../src/index.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'

const REFRESH = 'POST /api/collections/users/auth-refresh'
const PASSWORD = 'POST /api/collections/users/auth-with-password'

const clients: AuthClient[] = []

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
})

/** A client on a fake server with a hand-moved clock and no background timer. */
function setup(options: Partial<AuthClientOptions> = {}, tokenSeconds = 60) {
  const clock = { now: Date.now() }
  const pb = createFakePocketBase({ tokenSeconds, now: () => clock.now })
  const lines: { message: string; context: LogContext | undefined }[] = []
  const log = (message: string, context?: LogContext): void => void lines.push({ message, context })
  const logger: Logger = { debug: log, info: log, warn: log, error: log }
  const auth = createAuthClient({
    url: 'http://pb.test',
    fetch: pb.fetch,
    now: () => clock.now,
    autoRefresh: false,
    logger,
    ...options,
  })
  clients.push(auth)
  const signedOut: string[] = []
  auth.on('signedOut', ({ reason }) => signedOut.push(reason))
  return { auth, pb, clock, lines, signedOut }
}

async function signIn(auth: AuthClient): Promise<void> {
  await auth.authWithPassword('alice@example.com', 'pw')
}

function enterRefreshWindow(clock: { now: number }, auth: AuthClient): void {
  clock.now = auth.session!.expiresAt - 1_000
}

describe('getToken without a session', () => {
  it('throws not_authenticated and sends nothing when there are no credentials', async () => {
    const { auth, pb } = setup()
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(pb.calls).toHaveLength(0)
  })

  it('signs in through credentials, once for concurrent callers', async () => {
    const credentials = vi.fn(async () => ({ identity: 'admin@example.com', password: 'pw' }))
    const { auth, pb } = setup({ credentials })
    const tokens = await Promise.all(Array.from({ length: 25 }, () => auth.getToken()))
    expect(new Set(tokens)).toEqual(new Set([auth.session!.token]))
    expect(credentials).toHaveBeenCalledOnce()
    expect(pb.count(PASSWORD)).toBe(1)
    expect(pb.calls[0]!.body).toEqual({ identity: 'admin@example.com', password: 'pw' })
  })

  it('rejects a credentials callback of the wrong shape without sending or echoing it', async () => {
    const credentials = (() => ({
      identity: 'admin@example.com',
      password: '',
    })) as NonNullable<AuthClientOptions['credentials']>
    const { auth, pb } = setup({ credentials })
    const error = await auth.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'config_invalid' })
    expect(JSON.stringify(error)).not.toContain('admin@example.com')
    expect(pb.calls).toHaveLength(0)
  })
})

describe('getToken with a session', () => {
  it('returns a fresh token without a request', async () => {
    const { auth, pb } = setup()
    await signIn(auth)
    expect(await auth.getToken()).toBe(auth.session!.token)
    expect(pb.calls).toHaveLength(1)
  })

  it('refreshes inside the refresh window, one request for any number of callers', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    const old = auth.session!.token
    enterRefreshWindow(clock, auth)
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const tokens = Promise.all(Array.from({ length: 100 }, () => auth.getToken()))
    held.resolve(pb.authReply())
    const all = await tokens
    expect(pb.count(REFRESH)).toBe(1)
    expect(pb.calls.at(-1)!.authorization).toBe(old)
    expect(new Set(all)).toEqual(new Set([auth.session!.token]))
    expect(all[0]).not.toBe(old)
  })

  it('keeps handing out a still-valid token when the refresh fails transiently', async () => {
    const { auth, pb, clock, lines } = setup()
    await signIn(auth)
    const token = auth.session!.token
    enterRefreshWindow(clock, auth)
    pb.on(REFRESH, () => connectionRefused())
    expect(await auth.getToken()).toBe(token)
    pb.on(REFRESH, () => ({ status: 500, body: { data: {}, message: 'Something went wrong.', status: 500 } }))
    expect(await auth.getToken()).toBe(token)
    expect(auth.session?.token).toBe(token)
    expect(lines.some((l) => l.message.includes('still-valid'))).toBe(true)
  })

  it('during an outage, backs off instead of sending a refresh per call', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    const token = auth.session!.token
    enterRefreshWindow(clock, auth)
    pb.on(REFRESH, () => ({ status: 503, body: { data: {}, message: 'Unavailable.', status: 503 } }))
    for (let i = 0; i < 20; i++) expect(await auth.getToken()).toBe(token)
    expect(pb.count(REFRESH)).toBe(1)
    clock.now += 1_001 // past the first backoff delay (at most RETRY_POLICY.baseMs)
    pb.on(REFRESH, () => pb.authReply())
    expect(await auth.getToken()).not.toBe(token)
    expect(pb.count(REFRESH)).toBe(2)
  })

  it('once expired during an outage, tries again at once on each call (the server may be back), one request at a time', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => connectionRefused())
    await expect(auth.getToken()).rejects.toMatchObject({
      code: 'refresh_failed',
      cause: { code: 'network' },
    })
    const together = await Promise.all(Array.from({ length: 10 }, () => auth.getToken().catch((e) => e)))
    expect(together.map((error) => (error as { code?: string }).code)).toEqual(
      Array(10).fill('refresh_failed'),
    )
    expect(pb.count(REFRESH)).toBe(2)
    pb.on(REFRESH, () => pb.authReply())
    expect(await auth.getToken()).toBe(auth.session!.token)
    expect(pb.count(REFRESH)).toBe(3)
    expect(auth.session!.expiresAt).toBeGreaterThan(clock.now)
  })

  it('once expired and rate limited, waits out the backoff: refresh_failed without a request', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => ({ status: 429, body: { data: {}, message: 'Too Many Requests.', status: 429 } }))
    await expect(auth.getToken()).rejects.toMatchObject({
      code: 'refresh_failed',
      cause: { code: 'rate_limited' },
    })
    for (let i = 0; i < 5; i++) {
      await expect(auth.getToken()).rejects.toMatchObject({
        code: 'refresh_failed',
        cause: { code: 'rate_limited' },
      })
    }
    expect(pb.count(REFRESH)).toBe(1)
    clock.now += 1_001 // past the first backoff delay (at most RETRY_POLICY.baseMs)
    pb.on(REFRESH, () => pb.authReply())
    expect(await auth.getToken()).toBe(auth.session!.token)
    expect(pb.count(REFRESH)).toBe(2)
  })

  it('throws refresh_failed (with the cause) once the token has expired and refreshing fails', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => connectionRefused())
    const error = await auth.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'refresh_failed', cause: { code: 'network' } })
  })

  it('offers a locally expired, refreshable token to auth-refresh once (clocks can disagree)', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    const old = auth.session!.token
    clock.now = auth.session!.expiresAt + 60_000
    const token = await auth.getToken()
    expect(token).not.toBe(old)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('ends the session on a 401: token_expired, signedOut "revoked", then not_authenticated', async () => {
    const { auth, pb, clock, signedOut } = setup()
    await signIn(auth)
    enterRefreshWindow(clock, auth)
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'token_expired', status: 401 })
    expect(signedOut).toEqual(['revoked'])
    expect(auth.session).toBeNull()
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('reports "expired" when the rejected token had expired locally', async () => {
    const { auth, pb, clock, signedOut } = setup()
    await signIn(auth)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'token_expired' })
    expect(signedOut).toEqual(['expired'])
  })

  it('signs in again through credentials when the refresh gets a 401', async () => {
    const credentials = vi.fn(() => ({ identity: 'admin@example.com', password: 'pw' }))
    const { auth, pb, clock } = setup({ credentials })
    await signIn(auth)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => REJECTED_TOKEN)
    const token = await auth.getToken()
    expect(token).toBe(auth.session!.token)
    expect(credentials).toHaveBeenCalledOnce()
    expect(pb.count(PASSWORD)).toBe(2)
  })

  it('does not hand out a token after logout() races its refresh', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    enterRefreshWindow(clock, auth)
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = auth.getToken()
    auth.logout()
    held.resolve(pb.authReply())
    await expect(pending).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(auth.session).toBeNull()
  })

  it('does not sign in again through credentials after logout() races its refresh', async () => {
    const credentials = vi.fn(() => ({ identity: 'admin@example.com', password: 'pw' }))
    const { auth, pb, clock } = setup({ credentials })
    await auth.getToken()
    enterRefreshWindow(clock, auth)
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = auth.getToken()
    await Promise.resolve()
    auth.logout()
    held.resolve(pb.authReply())
    await expect(pending).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(auth.session).toBeNull()
    expect(credentials).toHaveBeenCalledOnce()
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('a credentials callback that throws synchronously fails one attempt, not the client', async () => {
    let failNext = true
    const credentials = vi.fn(() => {
      if (failNext) {
        failNext = false
        throw new Error('vault temporarily down')
      }
      return { identity: 'admin@example.com', password: 'pw' }
    })
    const { auth, pb } = setup({ credentials })
    const error = await auth.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'not_authenticated', cause: { message: 'vault temporarily down' } })
    expect(await auth.getToken()).toBe(auth.session!.token)
    expect(credentials).toHaveBeenCalledTimes(2)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it("a caller's aborted signal stops only its own wait, not the shared refresh", async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    const old = auth.session!.token
    enterRefreshWindow(clock, auth)
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const controller = new AbortController()
    const mine = auth.authRefresh({ signal: controller.signal })
    const other = auth.getToken()
    await Promise.resolve()
    controller.abort()
    await expect(mine).rejects.toMatchObject({ code: 'aborted' })
    held.resolve(pb.authReply())
    const token = await other
    expect(token).not.toBe(old)
    expect(auth.session!.token).toBe(token)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('hands out the newer sign-in token when a sign-in races the refresh', async () => {
    const { auth, pb, clock } = setup()
    await signIn(auth)
    enterRefreshWindow(clock, auth)
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = auth.getToken()
    const newer = await auth.authWithPassword('alice@example.com', 'pw')
    held.resolve(REJECTED_TOKEN)
    expect(await pending).toBe(newer.token)
    expect(auth.session).toBe(newer)
  })

  it('never logs a token or a password', async () => {
    const credentials = (): { identity: string; password: string } => ({
      identity: 'a@example.com',
      password: 'hunter2-secret',
    })
    const { auth, pb, clock, lines } = setup({ credentials })
    await signIn(auth)
    const tokens = [auth.session!.token]
    enterRefreshWindow(clock, auth)
    await auth.getToken()
    tokens.push(auth.session!.token)
    clock.now = auth.session!.expiresAt + 1
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await auth.getToken()
    tokens.push(auth.session!.token)
    const logged = JSON.stringify(lines)
    expect(lines.length).toBeGreaterThan(3)
    for (const token of tokens) expect(logged).not.toContain(token)
    expect(logged).not.toContain('hunter2-secret')
  })
})

describe('getToken with a non-refreshable token', () => {
  function nonRefreshable(): { auth: AuthClient; pb: FakePocketBase; clock: { now: number } } {
    const { auth, pb, clock } = setup()
    pb.on(PASSWORD, () => pb.authReply({ refreshable: false }))
    return { auth, pb, clock }
  }

  it('hands it out inside the refresh window without asking auth-refresh', async () => {
    const { auth, pb, clock } = nonRefreshable()
    await signIn(auth)
    enterRefreshWindow(clock, auth)
    expect(await auth.getToken()).toBe(auth.session!.token)
    expect(pb.count(REFRESH)).toBe(0)
  })

  it('ends the session with token_expired at expiry, without a request', async () => {
    const { auth, pb, clock } = nonRefreshable()
    await signIn(auth)
    clock.now = auth.session!.expiresAt
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'token_expired' })
    expect(auth.session).toBeNull()
    expect(pb.count(REFRESH)).toBe(0)
  })
})
