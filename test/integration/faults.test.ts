import '../setup/fail-on-unhandled.js'
import http from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createUser,
  enableRateLimits,
  setAuthTokenDuration,
  startCountingProxy,
  type CountingProxy,
  type RateLimitRule,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createAuthClient, createDbInterface, createMemoryTokenStore, isAuthError } from '../../src/index.js'
import type { AuthClient, AuthClientOptions } from '../../src/index.js'
import { nextEvent } from '../helpers/events.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'

const bin = pocketBaseBinaryForTests('faults tests')

/** PocketBase's default rules (`*:auth` 2 per 3 s …), restored after each test. */
const DEFAULT_RULES: RateLimitRule[] = [
  { label: '*:auth', durationSeconds: 3, maxRequests: 2 },
  { label: '*:create', durationSeconds: 5, maxRequests: 20 },
  { label: '/api/batch', durationSeconds: 1, maxRequests: 3 },
  { label: '/api/', durationSeconds: 10, maxRequests: 300 },
]
const TOKEN_SECONDS = 10

async function postJson(url: string, body: unknown, token?: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token === undefined ? {} : { Authorization: token }) },
    body: JSON.stringify(body),
  })
  await response.body?.cancel()
  return response.status
}

/** What `startDelayingProxy` returns. */
interface DelayingProxy {
  readonly url: string
  /** Changes the hold time for requests that arrive from now on. */
  setDelay(ms: number): void
  /** Requests whose client closed the connection before the proxy answered (a timeout that freed its socket). */
  closedBeforeAnswer(): number
  stop(): Promise<void>
}

/** A loopback proxy that holds every request for `delayMs` before forwarding it. */
async function startDelayingProxy(targetUrl: string, delayMs: number): Promise<DelayingProxy> {
  const target = new URL(targetUrl)
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let delay = delayMs
  let closedEarly = 0
  const server = http.createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished) closedEarly++
    })
    const timer = setTimeout(() => {
      timers.delete(timer)
      const upstream = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers)
          upstreamRes.pipe(res)
        },
      )
      upstream.on('error', () => res.destroy())
      req.pipe(upstream)
    }, delay)
    timers.add(timer)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    setDelay: (ms) => {
      delay = ms
    },
    closedBeforeAnswer: () => closedEarly,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe.skipIf(bin === undefined)('faults against a real PocketBase with rate limits on', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const clients: AuthClient[] = []
  const stoppers: { stop(): Promise<void> }[] = []

  const client = (options: Partial<AuthClientOptions> = {}): AuthClient => {
    const auth = createAuthClient({ url: proxy.url, ...options })
    clients.push(auth)
    return auth
  }

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await setAuthTokenDuration(pb, 'users', TOKEN_SECONDS)
    await enableRateLimits(pb, DEFAULT_RULES)
  })

  afterEach(async () => {
    for (const auth of clients.splice(0)) auth.dispose()
    await Promise.all(stoppers.splice(0).map((stopper) => stopper.stop()))
    await enableRateLimits(pb, DEFAULT_RULES)
    proxy.reset()
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  it('a 429 burst on refresh is retried with backoff and recovers, without a tight loop', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client({ credentials: () => ({ identity: user.email, password: user.password }) })
    const session = await auth.authWithPassword(user.email, user.password)
    // One auth-refresh a minute, used up at once (from outside the proxy): every refresh the client tries is
    // refused with 429 until the default rules are back. (Changing the rules resets PocketBase's counters.)
    await enableRateLimits(pb, [
      ...DEFAULT_RULES,
      { label: '*:authRefresh', durationSeconds: 60, maxRequests: 1 },
    ])
    expect(await postJson(`${pb.url}/api/collections/users/auth-refresh`, {}, session.token)).toBe(200)
    const limited = await nextEvent(auth, 'refreshFailed', 15_000)
    await enableRateLimits(pb, DEFAULT_RULES)
    expect(limited.error.code).toBe('rate_limited')
    expect(limited.willRetry).toBe(true)
    expect(limited.retryInMs).toBeGreaterThanOrEqual(500)
    proxy.reset()

    const recovered = await Promise.race([
      nextEvent(auth, 'tokenRefreshed', 20_000),
      nextEvent(auth, 'signedIn', 20_000),
    ])
    expect(recovered.recordId).toBe(user.id)
    expect(auth.isAuthenticated).toBe(true)
    await expect(auth.getToken()).resolves.toBe(auth.session?.token)
    // Backoff, not a tight loop: a handful of attempts between the first 429 and recovery.
    const attempts =
      proxy.count('POST /api/collections/users/auth-refresh') +
      proxy.count('POST /api/collections/users/auth-with-password')
    expect(attempts).toBeGreaterThanOrEqual(1)
    expect(attempts).toBeLessThanOrEqual(6)
  })

  it('a 429 burst on the unattended re-sign-in is retried with backoff and recovers', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    let password = user.password
    const auth = client({ credentials: () => ({ identity: user.email, password }) })
    await auth.authWithPassword(user.email, password)
    // Revoke the token: the next refresh gets 401 and the client signs in again through `credentials`.
    password = `${user.password}-new`
    await pb.api('PATCH', `/api/collections/users/records/${user.id}`, {
      password,
      passwordConfirm: password,
    })
    // One password sign-in a minute, used up at once (from outside the proxy): the client's re-sign-in is
    // refused with 429 until the default rules are back.
    await enableRateLimits(pb, [
      ...DEFAULT_RULES,
      { label: '*:authWithPassword', durationSeconds: 60, maxRequests: 1 },
    ])
    const burned = await postJson(`${pb.url}/api/collections/users/auth-with-password`, {
      identity: 'nobody@example.com',
      password: 'not-the-password',
    })
    expect(burned).toBe(400)
    const revoked = nextEvent(auth, 'signedOut', 15_000)
    const limited = await nextEvent(
      auth,
      'refreshFailed',
      15_000,
      (event) => event.error.code === 'rate_limited',
    )
    await enableRateLimits(pb, DEFAULT_RULES)
    expect((await revoked).reason).toBe('revoked')
    expect(limited.willRetry).toBe(true)
    proxy.reset()

    const back = await nextEvent(auth, 'signedIn', 20_000)
    expect(back.recordId).toBe(user.id)
    expect(auth.isAuthenticated).toBe(true)
    expect(proxy.count('POST /api/collections/users/auth-with-password')).toBeLessThanOrEqual(6)
  })

  it('the server down for longer than the token lives: with credentials the client signs in again, without it ends the session as expired', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const withCredentials = client({ credentials: () => ({ identity: user.email, password: user.password }) })
    const withoutCredentials = client()
    await withCredentials.authWithPassword(user.email, user.password)
    await withoutCredentials.authWithPassword(user.email, user.password)
    const events: string[] = []
    withCredentials.on('signedOut', ({ reason }) => events.push(`signedOut:${reason}`))
    withCredentials.on('signedIn', () => events.push('signedIn'))
    const ended = nextEvent(withoutCredentials, 'signedOut', 45_000)
    const signedInAgain = nextEvent(withCredentials, 'signedIn', 45_000)

    await pb.kill()
    await sleep((TOKEN_SECONDS + 1) * 1000)
    await pb.restart()

    expect((await ended).reason).toBe('expired')
    await signedInAgain
    expect(events).toEqual(['signedOut:expired', 'signedIn'])
    expect(withCredentials.isAuthenticated).toBe(true)
    await expect(createDbInterface(withCredentials).collection('users').getList(1, 1)).resolves.toMatchObject(
      {
        items: [expect.objectContaining({ id: user.id })],
      },
    )
    expect(withoutCredentials.session).toBeNull()
    await expect(withoutCredentials.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
  }, 60_000)

  it('a response delayed past timeoutMs is a timeout; the same call within the timeout succeeds', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const slow = await startDelayingProxy(pb.url, 1_000)
    stoppers.push(slow)
    const impatient = client({ url: slow.url, timeoutMs: 200 })
    const error = await rejectionOf(impatient.authWithPassword(user.email, user.password))
    expect(isAuthError(error) && error.code).toBe('timeout')
    await expect(impatient.listAuthMethods()).rejects.toMatchObject({ code: 'timeout' })
    expect(impatient.session).toBeNull()

    const patient = client({ url: slow.url, timeoutMs: 60_000 })
    await expect(patient.authWithPassword(user.email, user.password)).resolves.toMatchObject({
      recordId: user.id,
    })
  })

  /** A user signed in through a delaying proxy that answers at once until told otherwise. */
  async function signedInBehindDelayingProxy(
    timeoutMs: number,
  ): Promise<{ user: { id: string }; slow: DelayingProxy; auth: AuthClient }> {
    const user = await createUser(pb, 'users', { verified: true })
    const slow = await startDelayingProxy(pb.url, 0)
    stoppers.push(slow)
    // The sign-in gets all the time it needs (a password check on a loaded machine can take a while); the client
    // under test starts from that session, with the short limit.
    const store = createMemoryTokenStore()
    store.set(await client({ url: slow.url, timeoutMs: 60_000 }).authWithPassword(user.email, user.password))
    const auth = client({ url: slow.url, timeoutMs, store })
    return { user, slow, auth }
  }

  it('a db call delayed past timeoutMs is a timeout, and the abort reaches the socket', async () => {
    const { user, slow, auth } = await signedInBehindDelayingProxy(300)
    const db = createDbInterface(auth)
    // Without a time limit the call succeeds, however slow the machine.
    await expect(
      createDbInterface(auth, { timeoutMs: 0 }).collection('users').getOne(user.id),
    ).resolves.toMatchObject({
      id: user.id,
    })

    slow.setDelay(5_000)
    const error = await rejectionOf(db.collection('users').getOne(user.id))
    expect(isAuthError(error) && error.code).toBe('timeout')
    // The request was aborted, not abandoned: its connection closed before the proxy would have answered.
    await expect.poll(() => slow.closedBeforeAnswer(), { timeout: 20_000 }).toBe(1)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('createDbInterface’s own timeoutMs replaces the client’s: 0 waits out a slow answer, a shorter one cuts it', async () => {
    const { user, slow, auth } = await signedInBehindDelayingProxy(300)

    slow.setDelay(800)
    const patient = createDbInterface(auth, { timeoutMs: 0 })
    await expect(patient.collection('users').getOne(user.id)).resolves.toMatchObject({ id: user.id })
    expect(slow.closedBeforeAnswer()).toBe(0)

    const hasty = createDbInterface(auth, { timeoutMs: 100 })
    const error = await rejectionOf(hasty.collection('users').getOne(user.id))
    expect(error).toMatchObject({ code: 'timeout' })
    expect((error as Error).message).toContain('within 100 ms')
    await expect.poll(() => slow.closedBeforeAnswer(), { timeout: 20_000 }).toBe(1)
  })

  it.each([
    ['+10 minutes', 600_000],
    ['-10 minutes', -600_000],
  ])(
    'with the client clock %s off it refreshes before expiry and never treats a valid token as expired',
    async (_label, skewMs) => {
      const user = await createUser(pb, 'users', { verified: true })
      const now = (): number => Date.now() + skewMs
      const auth = client({ now })
      const signedOut: string[] = []
      auth.on('signedOut', ({ reason }) => signedOut.push(reason))
      const first = await auth.authWithPassword(user.email, user.password)
      // Corrected for the skew: about TOKEN_SECONDS left on the client's own clock when the answer arrived
      // (issuedAt is that moment; measuring from a later now() would add the time this test took since).
      expect(first.issuedAt).toBeLessThanOrEqual(now())
      expect(first.expiresAt - first.issuedAt).toBeGreaterThan((TOKEN_SECONDS - 2) * 1000)
      expect(first.expiresAt - first.issuedAt).toBeLessThanOrEqual(TOKEN_SECONDS * 1000 + 1000)
      expect(auth.isAuthenticated).toBe(true)

      const refreshedAt: number[] = []
      auth.on('tokenRefreshed', () => refreshedAt.push(now()))
      const watch = setInterval(() => {
        if (!auth.isAuthenticated) signedOut.push('not authenticated while valid')
      }, 250)
      try {
        const refreshed = await nextEvent(auth, 'tokenRefreshed', (TOKEN_SECONDS + 5) * 1000)
        expect(refreshedAt[0]).toBeLessThan(first.expiresAt)
        expect(refreshed.expiresAt).toBeGreaterThan(first.expiresAt)
      } finally {
        clearInterval(watch)
      }
      expect(signedOut).toEqual([])
      await expect(createDbInterface(auth).collection('users').getList(1, 1)).resolves.toMatchObject({
        items: [expect.objectContaining({ id: user.id })],
      })
    },
  )
})
