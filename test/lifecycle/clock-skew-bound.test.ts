import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createAuthClient,
  RETRY_POLICY,
  type AuthClient,
  type AuthClientOptions,
  type AuthEvents,
  type LogContext,
} from '../../src/index.js'
import { createFakePocketBase, type FakeReply } from '../fixtures/fake-pocketbase.js'
import { makeAuthResponse } from '../helpers/factories.js'

const START = 1_700_000_000_000
const DAY_MS = 86_400_000
const PASSWORD = 'POST /api/collections/users/auth-with-password'
const REFRESH = 'POST /api/collections/users/auth-refresh'
const TOKEN_SECONDS = 900

const clients: AuthClient[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A server behind a proxy whose `Date` header is `skewMs` off the real (local) time. */
function behindLyingProxy(skewMs: number, options: Partial<AuthClientOptions> = {}) {
  const pb = createFakePocketBase({ tokenSeconds: TOKEN_SECONDS })
  const withDate = (reply: FakeReply): FakeReply =>
    reply instanceof Error
      ? reply
      : { ...reply, headers: { Date: new Date(Date.now() + skewMs).toUTCString() } }
  pb.on(PASSWORD, () => withDate(pb.authReply()))
  pb.on(REFRESH, () => withDate(pb.authReply()))
  const warnings: { message: string; context: LogContext | undefined }[] = []
  const auth = createAuthClient({
    url: 'http://pb.test',
    fetch: pb.fetch,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message, context) => void warnings.push({ message, context }),
      error: () => undefined,
    },
    ...options,
  })
  clients.push(auth)
  const refreshTimes: number[] = []
  auth.on('tokenRefreshed', () => refreshTimes.push(Date.now()))
  return { auth, pb, warnings, refreshTimes }
}

function gaps(times: number[]): number[] {
  return times.slice(1).map((time, i) => time - times[i]!)
}

describe('a server Date header beyond maxClockSkewSeconds', () => {
  it.each([
    ['two days ahead', 2 * DAY_MS],
    ['two days behind', -2 * DAY_MS],
  ])(
    '%s: an idle client refreshes at most once per 30 s and reads expiries on the local clock',
    async (_, skew) => {
      const { auth, pb, warnings, refreshTimes } = behindLyingProxy(skew)
      const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
      expect(session.expiresAt).toBe(Math.floor(START / 1000) * 1000 + TOKEN_SECONDS * 1000)
      await vi.advanceTimersByTimeAsync(3 * 3_600_000)
      expect(pb.count(REFRESH)).toBeLessThanOrEqual((3 * 3_600_000) / 30_000)
      expect(pb.count(REFRESH)).toBeGreaterThan(0) // it still refreshes, on the local clock
      expect(Math.min(...gaps(refreshTimes))).toBeGreaterThanOrEqual(30_000)
      expect(auth.isAuthenticated).toBe(true)
      expect(warnings.filter((w) => w.message.includes('maxClockSkewSeconds'))).toHaveLength(1)
      expect(warnings[0]!.context).toMatchObject({
        offsetSeconds: expect.any(Number),
        maxClockSkewSeconds: 3600,
      })
    },
  )

  it('two days behind: isAuthenticated turns false at the token real exp, by the local clock', async () => {
    const { auth } = behindLyingProxy(-2 * DAY_MS, { autoRefresh: false })
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    const realExp = Math.floor(START / 1000) * 1000 + TOKEN_SECONDS * 1000
    vi.setSystemTime(realExp - 1)
    expect(auth.isAuthenticated).toBe(true)
    vi.setSystemTime(realExp + 1_000)
    expect(auth.isAuthenticated).toBe(false)
  })

  it('within the bound (10 minutes ahead), the offset still corrects expiries', async () => {
    const { auth, warnings } = behindLyingProxy(600_000)
    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    // The token's exp is on the server's clock, 10 minutes (and under a second of Date resolution) ahead.
    expect(session.expiresAt - START).toBeGreaterThan((TOKEN_SECONDS - 600 - 2) * 1000)
    expect(session.expiresAt - START).toBeLessThanOrEqual((TOKEN_SECONDS - 600) * 1000)
    expect(warnings).toHaveLength(0)
  })

  it('maxClockSkewSeconds raises the bound for a server clock that really is that far off', async () => {
    const { auth, warnings } = behindLyingProxy(2 * DAY_MS, { maxClockSkewSeconds: 3 * 86_400 })
    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    expect(session.expiresAt).toBeLessThan(START)
    expect(warnings).toHaveLength(0)
  })
})

describe('a refresh that makes no progress', () => {
  it('is a transient failure: the next try waits at least 30 s, the session is kept until it expires', async () => {
    const pb = createFakePocketBase({ tokenSeconds: 60 })
    // A broken server: every refresh returns a token that expired a minute ago.
    pb.on(REFRESH, () => ({
      status: 200,
      body: makeAuthResponse({ claims: { exp: Math.floor(Date.now() / 1000) - 60 } }),
    }))
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch })
    clients.push(auth)
    const failed: AuthEvents['refreshFailed'][] = []
    const refreshTimes: number[] = []
    auth.on('refreshFailed', (event) => failed.push(event))
    pb.on(PASSWORD, () => pb.authReply())
    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    auth.on('tokenRefreshed', () => refreshTimes.push(Date.now()))

    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(pb.count(REFRESH)).toBeGreaterThanOrEqual(1)
    expect(pb.count(REFRESH)).toBeLessThanOrEqual(1 + (10 * 60_000 - 48_000) / RETRY_POLICY.noProgressMinMs)
    expect(refreshTimes).toEqual([])
    expect(failed.length).toBe(pb.count(REFRESH))
    expect(failed.every((event) => event.willRetry && event.retryInMs! >= RETRY_POLICY.noProgressMinMs)).toBe(
      true,
    )
    expect(failed[0]!.error).toMatchObject({
      code: 'unexpected_response',
      message: expect.stringContaining('clock'),
    })
    expect(auth.session?.token).toBe(session.token) // kept, expired: refresh_failed for callers, not signed out
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'refresh_failed' })
    expect(pb.count(REFRESH)).toBe(failed.length)
  })
})
