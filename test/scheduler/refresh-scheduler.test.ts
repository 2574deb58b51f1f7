import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createAuthClient,
  type AuthClient,
  type AuthClientOptions,
  type AuthEvents,
} from '../../src/index.js'
import { MAX_TIMER_DELAY_MS } from '../../src/config.js'
import { RETRY_POLICY } from '../../src/scheduler/backoff.js'
import { nextRefreshAt } from '../../src/scheduler/next-refresh-at.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakePocketBaseOptions,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'

const START = 1_700_000_000_000
const REFRESH = 'POST /api/collections/users/auth-refresh'
const PASSWORD = 'POST /api/collections/users/auth-with-password'
const THREE_YEARS_S = 94_670_856

type Recorded = { [K in keyof AuthEvents]: AuthEvents[K][] }

const clients: AuthClient[] = []

function setup(
  server: FakePocketBaseOptions = {},
  options: Partial<AuthClientOptions> = {},
  spread = 0,
): { auth: AuthClient; pb: FakePocketBase; events: Recorded } {
  const pb = createFakePocketBase(server)
  const auth = createClientAtSpread(spread, { url: 'http://pb.test', fetch: pb.fetch, ...options })
  clients.push(auth)
  const events: Recorded = {
    signedIn: [],
    tokenRefreshed: [],
    signedOut: [],
    mfaRequired: [],
    refreshFailed: [],
    expiring: [],
    error: [],
  }
  for (const name of Object.keys(events) as (keyof AuthEvents)[]) {
    auth.on(name, (payload) => (events[name] as unknown[]).push(payload))
  }
  return { auth, pb, events }
}

/**
 * Runs `make` with `Math.random` pinned at `spread`, until the promise it returns (if any) settles. A client
 * draws its place in the refresh spread window (see `nextRefreshAt`) once, from `Math.random`, when it is
 * created: 0 makes every refresh time exact. The backoff draws stay random.
 */
function atSpread<T>(spread: number, make: () => T): T {
  const random = vi.spyOn(Math, 'random').mockReturnValue(spread)
  let made: T
  try {
    made = make()
  } catch (error) {
    random.mockRestore()
    throw error
  }
  if (!(made instanceof Promise)) {
    random.mockRestore()
    return made
  }
  return made.finally(() => random.mockRestore()) as T
}

/** A client whose timer sits at `spread` (see `atSpread`). */
function createClientAtSpread(spread: number, options: AuthClientOptions): AuthClient {
  return atSpread(spread, () => createAuthClient(options))
}

/** `impersonate()` with the child's timer at `spread` (see `atSpread`). */
function impersonateAtSpread(
  spread: number,
  auth: AuthClient,
  ...args: Parameters<AuthClient['impersonate']>
): Promise<AuthClient> {
  return atSpread(spread, () => auth.impersonate(...args))
}

/** Route of the impersonation request the fixtures below answer. */
const IMPERSONATE = 'POST /api/collections/users/impersonate/record1234567ab'

/**
 * A signed-in superuser (100 s tokens) and a 10 s impersonated child of theirs, its timer at `spread`
 * (see `atSpread`); the parent's fake server answers `IMPERSONATE` with fresh child tokens.
 */
async function superuserWithChild(
  spread: number,
  renew: boolean,
): Promise<{ auth: AuthClient; pb: FakePocketBase; impersonated: AuthClient }> {
  const { auth, pb } = setup(
    { tokenSeconds: 100, collectionName: '_superusers' },
    { collection: '_superusers' },
  )
  await auth.authWithPassword('admin@example.com', 'pw')
  const child = createFakePocketBase({ tokenSeconds: 10, refreshable: false })
  pb.on(IMPERSONATE, () => child.authReply())
  const impersonated = await impersonateAtSpread(spread, auth, 'record1234567ab', {
    durationSeconds: 10,
    ...(renew ? { renew: true } : {}),
  })
  clients.push(impersonated)
  return { auth, pb, impersonated }
}

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.useRealTimers()
})

describe('refresh timer lifecycle', () => {
  it('arms nothing before a sign-in, and exactly one timer after', async () => {
    const { auth } = setup({ tokenSeconds: 10 })
    expect(vi.getTimerCount()).toBe(0)
    await auth.authWithPassword('alice@example.com', 'pw')
    expect(vi.getTimerCount()).toBe(1)
  })

  it('spreads refreshes: clients signed in together each refresh at their own moment, before the window', async () => {
    const spreads = [0.999, 0.5, 0]
    const signedIn = spreads.map((spread) => setup({ tokenSeconds: 10 }, {}, spread))
    await Promise.all(signedIn.map(({ auth }) => auth.authWithPassword('alice@example.com', 'pw')))
    const refreshes = (): number[] => signedIn.map(({ pb }) => pb.count(REFRESH))

    await vi.advanceTimersByTimeAsync(7_499)
    expect(refreshes()).toEqual([0, 0, 0])
    await vi.advanceTimersByTimeAsync(2) // 7.501 s: about 2.5 s left, 125% of the 2 s skew
    expect(refreshes()).toEqual([1, 0, 0])
    await vi.advanceTimersByTimeAsync(249) // 7.75 s: halfway
    expect(refreshes()).toEqual([1, 1, 0])
    await vi.advanceTimersByTimeAsync(250) // 8 s: the window getToken() refreshes in opens
    expect(refreshes()).toEqual([1, 1, 1])
    expect(signedIn.every(({ auth }) => auth.isAuthenticated)).toBe(true)
  })

  it('keeps each client at its own place in the spread, refresh after refresh', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 }, {}, 0.5)
    await auth.authWithPassword('alice@example.com', 'pw')
    await vi.advanceTimersByTimeAsync(7_750) // first refresh: 2.25 s left
    expect(pb.count(REFRESH)).toBe(1)
    const { expiresAt, issuedAt } = auth.session!
    const secondAt = Math.ceil(nextRefreshAt(expiresAt, issuedAt, Date.now(), 300, 0.5))
    expect(secondAt).toBeLessThan(nextRefreshAt(expiresAt, issuedAt, Date.now(), 300, 0))
    await vi.advanceTimersByTimeAsync(secondAt - Date.now() - 1)
    expect(pb.count(REFRESH)).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(2)
  })

  it('refreshes a busy client in the background: its getToken() calls never wait for a refresh', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 }, {}, 0.999)
    await auth.authWithPassword('alice@example.com', 'pw')
    const tokensSeen = new Set<string>()
    for (let elapsed = 0; elapsed < 20_000; elapsed += 100) {
      const before = pb.count(REFRESH)
      tokensSeen.add(await auth.getToken())
      // getToken() answered from the session: it never started a refresh itself.
      expect(pb.count(REFRESH)).toBe(before)
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(pb.count(REFRESH)).toBe(2) // at 7.5 s and at 15 s, both by the timer
    expect(tokensSeen.size).toBe(3)
  })

  it('refreshes a 10 s token 2 s before expiry, again and again, with no caller action', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 10 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const first = auth.session!

    await vi.advanceTimersByTimeAsync(7_999)
    expect(pb.count(REFRESH)).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(1)
    expect(events.tokenRefreshed).toHaveLength(1)
    expect(auth.session!.token).not.toBe(first.token)
    expect(auth.session!.expiresAt).toBe(first.expiresAt + 8_000)
    expect(pb.calls.at(-1)?.authorization).toBe(first.token)

    await vi.advanceTimersByTimeAsync(16_000)
    expect(pb.count(REFRESH)).toBe(3)
    expect(events.tokenRefreshed).toHaveLength(3)
    expect(events.signedOut).toHaveLength(0)
    expect(auth.isAuthenticated).toBe(true)
    expect(vi.getTimerCount()).toBe(1)
  })

  it('waits out a 3-year token through clamped re-arms and refreshes it 300 s before expiry', async () => {
    const { auth, pb } = setup({ tokenSeconds: THREE_YEARS_S })
    await auth.authWithPassword('alice@example.com', 'pw')
    const { expiresAt } = auth.session!

    await vi.advanceTimersByTimeAsync(2 ** 31)
    expect(pb.count(REFRESH)).toBe(0)
    expect(vi.getTimerCount()).toBe(1)

    await vi.advanceTimersByTimeAsync(expiresAt - 300_000 - Date.now() - 1)
    expect(pb.count(REFRESH)).toBe(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(1)
    expect(auth.session!.expiresAt).toBeGreaterThan(expiresAt)
  })

  it('arms nothing with autoRefresh: false', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 }, { autoRefresh: false })
    await auth.authWithPassword('alice@example.com', 'pw')
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pb.count(REFRESH)).toBe(0)
  })

  it('stops on logout() and starts again on the next sign-in', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 10 })
    await auth.authWithPassword('alice@example.com', 'pw')
    auth.logout()
    auth.logout()
    expect(vi.getTimerCount()).toBe(0)
    expect(events.signedOut).toEqual([{ reason: 'logout' }])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pb.count(REFRESH)).toBe(0)

    await auth.authWithPassword('alice@example.com', 'pw')
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(8_000)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('stops for good on dispose(), idempotently, keeping the session readable', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 })
    await auth.authWithPassword('alice@example.com', 'pw')
    auth.dispose()
    auth.dispose()
    expect(vi.getTimerCount()).toBe(0)
    expect(auth.session).not.toBeNull()

    await expect(auth.authWithPassword('alice@example.com', 'pw')).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('dispose()'),
    })
    expect(pb.count(PASSWORD)).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pb.count(REFRESH)).toBe(0)
  })

  it('stops through [Symbol.asyncDispose] (await using)', async () => {
    const { auth } = setup({ tokenSeconds: 10 })
    await auth.authWithPassword('alice@example.com', 'pw')
    await auth[Symbol.asyncDispose]()
    await auth[Symbol.asyncDispose]()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('refresh failures', () => {
  const transient: [string, () => FakeReply][] = [
    ['a network error', () => connectionRefused()],
    ['a 5xx', () => ({ status: 503, body: { data: {}, message: 'Service Unavailable.', status: 503 } })],
    ['a 429', () => ({ status: 429, body: PB_BODIES.tooManyRequests })],
  ]

  it.each(transient)(
    'retries %s with growing, jittered backoff and keeps the valid token',
    async (_, fail) => {
      const { auth, pb, events } = setup({ tokenSeconds: 60 })
      await auth.authWithPassword('alice@example.com', 'pw')
      const signedIn = auth.session!
      let failures = 2
      pb.on(REFRESH, () => (failures-- > 0 ? fail() : pb.authReply()))

      await vi.advanceTimersByTimeAsync(48_000)
      expect(events.refreshFailed).toHaveLength(1)
      const [firstFailure] = events.refreshFailed
      expect(firstFailure).toMatchObject({ willRetry: true })
      expect(firstFailure!.retryInMs).toBeGreaterThanOrEqual(RETRY_POLICY.baseMs * (1 - RETRY_POLICY.jitter))
      expect(firstFailure!.retryInMs).toBeLessThanOrEqual(RETRY_POLICY.baseMs)
      expect(auth.session).toBe(signedIn)
      expect(auth.isAuthenticated).toBe(true)

      await vi.advanceTimersByTimeAsync(firstFailure!.retryInMs!)
      expect(events.refreshFailed).toHaveLength(2)
      expect(events.refreshFailed[1]!.retryInMs).toBeGreaterThanOrEqual(
        RETRY_POLICY.baseMs * RETRY_POLICY.factor * (1 - RETRY_POLICY.jitter),
      )
      expect(auth.session).toBe(signedIn)

      await vi.advanceTimersByTimeAsync(events.refreshFailed[1]!.retryInMs!)
      expect(events.tokenRefreshed).toHaveLength(1)
      expect(events.signedOut).toHaveLength(0)
      expect(pb.count(REFRESH)).toBe(3)
      expect(vi.getTimerCount()).toBe(1)
    },
  )

  it('waits as long as a 429 Retry-After asks, when that is longer than the backoff', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 600 })
    await auth.authWithPassword('alice@example.com', 'pw')
    let limited = true
    pb.on(REFRESH, () => {
      if (!limited) return pb.authReply()
      limited = false
      return { status: 429, body: PB_BODIES.tooManyRequests, headers: { 'Retry-After': '7' } }
    })
    await vi.advanceTimersByTimeAsync(480_000)
    expect(events.refreshFailed).toMatchObject([{ willRetry: true, retryInMs: 7_000 }])
    await vi.advanceTimersByTimeAsync(6_999)
    expect(pb.count(REFRESH)).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(2)
    expect(events.tokenRefreshed).toHaveLength(1)
  })

  it('believes a Retry-After for at most an hour, then tries again and ends a session the server rejects', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 600 })
    await auth.authWithPassword('alice@example.com', 'pw')
    let limited = true
    pb.on(REFRESH, () => {
      if (!limited) return REJECTED_TOKEN
      limited = false
      return { status: 429, body: PB_BODIES.tooManyRequests, headers: { 'Retry-After': '1000000000' } }
    })
    await vi.advanceTimersByTimeAsync(480_000)
    expect(events.refreshFailed).toMatchObject([
      { willRetry: true, retryInMs: RETRY_POLICY.retryAfterMaxMs, error: { code: 'rate_limited' } },
    ])
    await vi.advanceTimersByTimeAsync(RETRY_POLICY.retryAfterMaxMs - 1)
    expect(pb.count(REFRESH)).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(2)
    expect(events.signedOut).toEqual([{ reason: 'expired' }])
    expect(auth.session).toBeNull()
  })

  it('ends the session as "revoked" on a 401 while the token had not expired', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(48_000)
    expect(events.signedOut).toEqual([{ reason: 'revoked' }])
    expect(events.refreshFailed).toMatchObject([{ willRetry: false, error: { code: 'token_expired' } }])
    expect(auth.session).toBeNull()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('ends the session as "expired" on a 401 after the token expired locally during retries', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 10 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const { expiresAt } = auth.session!
    pb.on(REFRESH, () => (Date.now() < expiresAt ? connectionRefused() : REJECTED_TOKEN))
    await vi.advanceTimersByTimeAsync(30_000)
    expect(events.refreshFailed.filter((e) => e.willRetry).length).toBeGreaterThanOrEqual(1)
    expect(events.signedOut).toEqual([{ reason: 'expired' }])
    expect(auth.session).toBeNull()
    await expect(auth.getToken()).rejects.toMatchObject({
      code: expect.stringMatching(/token_expired|not_authenticated/),
    })
  })

  it('signs in again through credentials after a 401', async () => {
    const credentials = vi.fn(() => ({ identity: 'admin@example.com', password: 'pw' }))
    const { auth, pb, events } = setup({ tokenSeconds: 60 }, { credentials })
    await auth.authWithPassword('admin@example.com', 'pw')
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(48_000)
    expect(credentials).toHaveBeenCalledOnce()
    expect(pb.count(PASSWORD)).toBe(2)
    expect(events.signedIn).toHaveLength(2)
    expect(auth.isAuthenticated).toBe(true)
    expect(vi.getTimerCount()).toBe(1)
  })

  it('backs off when the credentials sign-in is rate limited, then signs in', async () => {
    const credentials = (): { identity: string; password: string } => ({
      identity: 'a@example.com',
      password: 'pw',
    })
    const { auth, pb, events } = setup({ tokenSeconds: 60 }, { credentials })
    await auth.authWithPassword('a@example.com', 'pw')
    pb.on(REFRESH, () => REJECTED_TOKEN)
    let limited = 2
    pb.on(PASSWORD, () => (limited-- > 0 ? { status: 429, body: PB_BODIES.tooManyRequests } : pb.authReply()))
    await vi.advanceTimersByTimeAsync(48_000)
    expect(events.refreshFailed.at(-1)).toMatchObject({ willRetry: true, error: { code: 'rate_limited' } })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(pb.count(PASSWORD)).toBe(4)
    expect(events.signedIn).toHaveLength(2)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('gives up on a credentials sign-in the server refuses, and reports it', async () => {
    const credentials = (): { identity: string; password: string } => ({
      identity: 'a@example.com',
      password: 'old',
    })
    const { auth, pb, events } = setup({ tokenSeconds: 60 }, { credentials })
    await auth.authWithPassword('a@example.com', 'pw')
    pb.on(REFRESH, () => REJECTED_TOKEN)
    pb.on(PASSWORD, () => ({ status: 400, body: PB_BODIES.failedToAuthenticate }))
    await vi.advanceTimersByTimeAsync(48_000)
    expect(events.refreshFailed.at(-1)).toMatchObject({
      willRetry: false,
      error: { code: 'invalid_credentials' },
    })
    expect(events.error.at(-1)).toMatchObject({ code: 'invalid_credentials' })
    await vi.advanceTimersByTimeAsync(600_000)
    expect(pb.count(PASSWORD)).toBe(2)
  })

  it('stops a credentials retry loop on logout()', async () => {
    const credentials = (): { identity: string; password: string } => ({
      identity: 'a@example.com',
      password: 'pw',
    })
    const { auth, pb, events } = setup({ tokenSeconds: 60 }, { credentials })
    await auth.authWithPassword('a@example.com', 'pw')
    pb.on(REFRESH, () => REJECTED_TOKEN)
    let down = true
    pb.on(PASSWORD, () => (down ? connectionRefused() : pb.authReply()))
    await vi.advanceTimersByTimeAsync(48_000)
    expect(events.refreshFailed.at(-1)).toMatchObject({ willRetry: true, error: { code: 'network' } })
    auth.logout()
    down = false
    await vi.advanceTimersByTimeAsync(600_000)
    expect(auth.session).toBeNull()
    expect(events.signedIn).toHaveLength(1)
  })

  it('keeps a token the server refuses to refresh for another reason until it expires', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const session = auth.session!
    pb.on(REFRESH, () => ({
      status: 403,
      body: {
        data: {},
        message: "The request doesn't satisfy the collection requirements to authenticate.",
        status: 403,
      },
    }))
    await vi.advanceTimersByTimeAsync(48_000)
    expect(events.refreshFailed).toMatchObject([{ willRetry: false, error: { code: 'forbidden' } }])
    expect(events.error).toMatchObject([{ code: 'forbidden' }])
    expect(auth.session).toBe(session)
  })

  it('ends the session as expired when the refresh is still refused at expiry', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    pb.on(REFRESH, () => ({ status: 403, body: { data: {}, message: 'Forbidden.', status: 403 } }))
    await vi.advanceTimersByTimeAsync(48_000)
    expect(auth.session).not.toBeNull()
    await vi.advanceTimersByTimeAsync(12_000)
    expect(pb.count(REFRESH)).toBe(2)
    expect(auth.session).toBeNull()
    expect(events.signedOut).toEqual([{ reason: 'expired' }])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('tries once more at expiry, not earlier, when a refusal leaves more than 24.8 days to a long token', async () => {
    // The largest skew, at the far end of the spread: the timer refreshes about 31 days before expiry.
    const { auth, pb, events } = setup(
      { tokenSeconds: 200 * 86_400 },
      { refreshSkewSeconds: Math.floor(MAX_TIMER_DELAY_MS / 1000) },
      0.999,
    )
    await auth.authWithPassword('alice@example.com', 'pw')
    const { expiresAt } = auth.session!
    pb.on(REFRESH, () => ({ status: 403, body: { data: {}, message: 'Forbidden.', status: 403 } }))
    await vi.advanceTimersByTimeAsync(expiresAt - 30 * 86_400_000 - Date.now())
    expect(pb.count(REFRESH)).toBe(1)
    expect(events.refreshFailed).toMatchObject([{ willRetry: false, error: { code: 'forbidden' } }])

    await vi.advanceTimersByTimeAsync(expiresAt - Date.now() - 1)
    expect(pb.count(REFRESH)).toBe(1)
    expect(auth.session).not.toBeNull()
    await vi.advanceTimersByTimeAsync(1)
    expect(pb.count(REFRESH)).toBe(2)
    expect(auth.session).toBeNull()
    expect(events.signedOut).toEqual([{ reason: 'expired' }])
  })
})

describe('refresh races', () => {
  it('discards a refresh that finishes after logout()', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    await vi.advanceTimersByTimeAsync(48_000)
    expect(pb.count(REFRESH)).toBe(1)
    auth.logout()
    held.resolve(pb.authReply())
    await vi.advanceTimersByTimeAsync(0)
    expect(auth.session).toBeNull()
    expect(events.tokenRefreshed).toHaveLength(0)
    expect(events.refreshFailed).toHaveLength(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('discards a refresh that finishes after a newer sign-in', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    await vi.advanceTimersByTimeAsync(48_000)
    const newer = await auth.authWithPassword('alice@example.com', 'pw')
    held.resolve(pb.authReply())
    await vi.advanceTimersByTimeAsync(0)
    expect(auth.session).toBe(newer)
    expect(events.tokenRefreshed).toHaveLength(0)
  })

  it('discards a 401 that arrives after logout(): no "revoked", no re-sign-in', async () => {
    const credentials = vi.fn(() => ({ identity: 'a@example.com', password: 'pw' }))
    const { auth, pb, events } = setup({ tokenSeconds: 60 }, { credentials })
    await auth.authWithPassword('a@example.com', 'pw')
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    await vi.advanceTimersByTimeAsync(48_000)
    auth.logout()
    held.resolve(REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(events.signedOut).toEqual([{ reason: 'logout' }])
    expect(events.refreshFailed).toHaveLength(0)
    expect(credentials).not.toHaveBeenCalled()
    expect(auth.session).toBeNull()
  })

  it('shares one request between the timer and concurrent getToken() callers', async () => {
    const { auth, pb } = setup({ tokenSeconds: 60 })
    await auth.authWithPassword('alice@example.com', 'pw')
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    await vi.advanceTimersByTimeAsync(48_000)
    const tokens = Promise.all(Array.from({ length: 20 }, () => auth.getToken()))
    held.resolve(pb.authReply())
    const all = await tokens
    expect(new Set(all).size).toBe(1)
    expect(all[0]).toBe(auth.session!.token)
    expect(pb.count(REFRESH)).toBe(1)
  })
})

describe('listeners on the refresh path', () => {
  it('never awaits a listener: a listener that never settles does not stall refreshes', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 })
    auth.on('tokenRefreshed', () => new Promise<never>(() => undefined))
    auth.on('signedIn', () => new Promise<never>(() => undefined))
    await auth.authWithPassword('alice@example.com', 'pw')
    await vi.advanceTimersByTimeAsync(24_000)
    expect(pb.count(REFRESH)).toBe(3)
  })

  it('routes a throwing listener to `error` and keeps refreshing', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 10 })
    const boom = new Error('listener bug')
    auth.on('tokenRefreshed', () => {
      throw boom
    })
    auth.on('signedIn', () => Promise.reject(boom))
    await auth.authWithPassword('alice@example.com', 'pw')
    await vi.advanceTimersByTimeAsync(16_000)
    expect(pb.count(REFRESH)).toBe(2)
    expect(events.tokenRefreshed).toHaveLength(2)
    expect(events.error).toEqual([boom, boom, boom])
    expect(auth.isAuthenticated).toBe(true)
  })

  it('survives a throwing `error` listener', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10 })
    auth.on('tokenRefreshed', () => {
      throw new Error('first')
    })
    auth.on('error', () => {
      throw new Error('second')
    })
    await auth.authWithPassword('alice@example.com', 'pw')
    await vi.advanceTimersByTimeAsync(16_000)
    expect(pb.count(REFRESH)).toBe(2)
  })
})

describe('non-refreshable tokens', () => {
  it('are never sent to auth-refresh; `expiring` fires before exp, then the session ends', async () => {
    const { auth, pb, events } = setup({ tokenSeconds: 10, refreshable: false })
    const session = await auth.authWithPassword('alice@example.com', 'pw')
    expect(session.refreshable).toBe(false)

    await vi.advanceTimersByTimeAsync(7_999)
    expect(events.expiring).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(events.expiring).toEqual([{ session, msLeft: 2_000 }])
    expect(await auth.getToken()).toBe(session.token)
    expect(events.signedOut).toHaveLength(0)

    await vi.advanceTimersByTimeAsync(2_000)
    expect(events.signedOut).toEqual([{ reason: 'expired' }])
    expect(events.expiring).toHaveLength(1)
    expect(pb.count(REFRESH)).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('reject authRefresh() and an expired getToken() without a request', async () => {
    const { auth, pb } = setup({ tokenSeconds: 10, refreshable: false }, { autoRefresh: false })
    await auth.authWithPassword('alice@example.com', 'pw')
    await expect(auth.authRefresh()).rejects.toMatchObject({ code: 'token_not_refreshable' })
    vi.setSystemTime(START + 11_000)
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'token_expired' })
    expect(auth.session).toBeNull()
    expect(pb.count(REFRESH)).toBe(0)
  })

  it('of an impersonated child: `expiring` fires, nothing is refreshed, the parent keeps refreshing', async () => {
    const { pb, impersonated } = await superuserWithChild(0, false)
    const expiring: AuthEvents['expiring'][] = []
    const signedOut: AuthEvents['signedOut'][] = []
    impersonated.on('expiring', (e) => expiring.push(e))
    impersonated.on('signedOut', (e) => signedOut.push(e))

    await vi.advanceTimersByTimeAsync(8_000)
    expect(expiring).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2_000)
    expect(signedOut).toEqual([{ reason: 'expired' }])
    expect(pb.count('POST /api/collections/users/auth-refresh')).toBe(0)
    await vi.advanceTimersByTimeAsync(80_000)
    expect(pb.count('POST /api/collections/_superusers/auth-refresh')).toBe(1)
  })

  it('of a busy renewing child: `expiring` still fires before the renewal, early in the spread', async () => {
    const { pb, impersonated } = await superuserWithChild(0.999, true)
    const first = impersonated.session!
    const expiring: AuthEvents['expiring'][] = []
    const renewed: AuthEvents['tokenRefreshed'][] = []
    impersonated.on('expiring', (e) => expiring.push(e))
    impersonated.on('tokenRefreshed', (session) => renewed.push(session))

    for (let elapsed = 0; elapsed < 9_000; elapsed += 100) {
      await impersonated.getToken() // a caller using the child all the time
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(pb.count(IMPERSONATE)).toBe(2)
    expect(renewed).toHaveLength(1)
    expect(expiring).toHaveLength(1)
    expect(expiring[0]!.msLeft).toBeGreaterThan(2_000) // announced by the timer, before getToken()'s window
    expect(expiring[0]!.session).toBe(first)
  })

  it('of a renewing child: a renewal a caller starts before the timer also announces `expiring`, once', async () => {
    const { pb, impersonated } = await superuserWithChild(0, true)
    const first = impersonated.session!
    const expiring: AuthEvents['expiring'][] = []
    impersonated.on('expiring', (e) => expiring.push(e))

    // The clock passes the due time while the timer has not fired yet (a busy event loop): a caller renews.
    vi.setSystemTime(first.expiresAt - 1_900)
    await impersonated.getToken()
    expect(pb.count(IMPERSONATE)).toBe(2)
    expect(expiring).toEqual([{ session: first, msLeft: 1_900 }])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(expiring).toHaveLength(1)
  })

  it("of a renewing child: the parent's token being rejected does not end the child's valid session", async () => {
    const { auth, pb, impersonated } = await superuserWithChild(0, true)
    const session = impersonated.session
    const childSignedOut: AuthEvents['signedOut'][] = []
    impersonated.on('signedOut', (e) => childSignedOut.push(e))
    pb.on(IMPERSONATE, () => ({ status: 401, body: PB_BODIES.requiresAuth }))
    pb.on('POST /api/collections/_superusers/auth-refresh', () => REJECTED_TOKEN)

    await vi.advanceTimersByTimeAsync(8_500)
    expect(pb.count(IMPERSONATE)).toBe(2)
    expect(auth.session).toBeNull() // the parent's token was rejected: the parent's session ended
    expect(impersonated.session).toBe(session) // the child's own token is still valid
    expect(childSignedOut).toEqual([])
    await vi.advanceTimersByTimeAsync(2_000)
    expect(childSignedOut).toEqual([{ reason: 'expired' }])
  })
})
