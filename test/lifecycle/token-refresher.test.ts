import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthClientOptions } from '../../src/config.js'
import { RefreshFailedError } from '../../src/errors/session-errors.js'
import { NetworkError } from '../../src/errors/transport.js'
import { SessionFactory } from '../../src/lifecycle/session-factory.js'
import { TokenRefresher, type Renewal } from '../../src/lifecycle/token-refresher.js'
import { RETRY_POLICY } from '../../src/scheduler/backoff.js'
import type { ReceivedAuth } from '../../src/session/build-session.js'
import { SessionState } from '../../src/session/session-state.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBaseOptions,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { changeRecorder, partWorld, receivedFrom, recordingEmitter, sessionFrom } from './parts.js'

const REFRESH = 'POST /api/collections/users/auth-refresh'

beforeEach(() => {
  // The backoff's jitter draws from Math.random: pinned, every retry delay is exact (1 s, 2 s, 4 s...).
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** A TokenRefresher built alone from a state, a factory and an emitter, on a fake server. */
function refresher(
  options: Partial<AuthClientOptions> = {},
  server: FakePocketBaseOptions = {},
  renew?: Renewal,
) {
  const world = partWorld(options, { tokenSeconds: 60, ...server })
  const { hook, changes } = changeRecorder()
  const state = new SessionState(new MemoryTokenStore(), { sessionChanged: hook })
  const sessions = new SessionFactory(world.config.maxClockSkewSeconds, world.config.logger)
  const { events, seen } = recordingEmitter()
  const r = new TokenRefresher(world.config, state, sessions, events, renew)
  const signIn = (overrides: { tokenSeconds?: number; refreshable?: boolean } = {}) => {
    const session = sessionFrom(world.pb, world.clock, overrides)
    state.apply(session, 'signedIn')
    return session
  }
  return { ...world, state, changes, seen, refresher: r, signIn }
}

describe('TokenRefresher.refresh: expected cases', () => {
  it('refreshes through auth-refresh with the current token and stores the result as tokenRefreshed', async () => {
    const { refresher: r, pb, state, changes, signIn, clock } = refresher()
    const first = signIn()
    clock.now += 50_000
    const next = await r.refresh()
    expect(pb.calls).toHaveLength(1)
    expect(pb.calls[0]).toMatchObject({ method: 'POST', path: '/api/collections/users/auth-refresh' })
    expect(pb.calls[0]!.authorization).toBe(first.token)
    expect(next.token).not.toBe(first.token)
    expect(next.expiresAt).toBe(clock.now + 60_000)
    expect(state.current).toBe(next)
    expect(changes.map((c) => c.kind)).toEqual(['signedIn', 'tokenRefreshed'])
  })

  it('is single-flight: concurrent callers share one request and one result', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    const results = await Promise.all([r.refresh(), r.refresh(), r.refresh()])
    expect(new Set(results).size).toBe(1)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('a refresh after the last one finished sends a new request', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    await r.refresh()
    await r.refresh()
    expect(pb.count(REFRESH)).toBe(2)
  })

  it('a caller whose signal aborts stops waiting; the shared refresh goes on for the others', async () => {
    const { refresher: r, pb, signIn, state } = refresher()
    signIn()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const controller = new AbortController()
    const mine = r.refresh({ signal: controller.signal })
    const theirs = r.refresh()
    controller.abort()
    await expect(mine).rejects.toMatchObject({
      code: 'aborted',
      message: 'authRefresh: aborted by the caller',
    })
    held.resolve(pb.authReply())
    const session = await theirs
    expect(state.current).toBe(session)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('an already-aborted signal rejects at once and starts no refresh', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    await expect(r.refresh({ signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'aborted' })
    expect(pb.calls).toHaveLength(0)
  })

  it('a successful refresh clears the setback of an earlier failure', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => connectionRefused())
    await r.refresh().catch(() => undefined)
    expect(r.setback).toBeDefined()
    pb.on(REFRESH, () => pb.authReply())
    await r.refresh()
    expect(r.setback).toBeUndefined()
  })
})

describe('TokenRefresher.refresh: failures and the setback', () => {
  it('remembers a network failure as the setback: 1 failure, the backoff, and "do not wait it out"', async () => {
    const { refresher: r, pb, signIn, clock, state } = refresher()
    const session = signIn()
    pb.on(REFRESH, () => connectionRefused())
    await expect(r.refresh()).rejects.toMatchObject({ code: 'network' })
    expect(r.setback).toMatchObject({
      failures: 1,
      retryInMs: RETRY_POLICY.baseMs,
      until: clock.now + RETRY_POLICY.baseMs,
      version: state.version,
      error: { code: 'network' },
      waitOut: false,
    })
    expect(state.current).toBe(session) // kept, also past its expiry
  })

  it('counts failures in a row: the delay doubles', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => connectionRefused())
    for (let i = 0; i < 3; i++) await r.refresh().catch(() => undefined)
    expect(r.setback).toMatchObject({ failures: 3, retryInMs: 4 * RETRY_POLICY.baseMs })
  })

  it('a 5xx is unreachable too (callers holding an expired token try again at once)', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => ({ status: 503, body: { data: {}, message: 'Unavailable.', status: 503 } }))
    await expect(r.refresh()).rejects.toMatchObject({ code: 'server_error' })
    expect(r.setback).toMatchObject({ waitOut: false })
  })

  it("a 429 is waited out, for at least the server's Retry-After", async () => {
    const { refresher: r, pb, signIn, clock } = refresher()
    signIn()
    pb.on(REFRESH, () => ({
      status: 429,
      body: PB_BODIES.tooManyRequests,
      headers: { 'Retry-After': '120' },
    }))
    await expect(r.refresh()).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 120_000 })
    expect(r.setback).toMatchObject({ retryInMs: 120_000, until: clock.now + 120_000, waitOut: true })
  })

  it('a refusal (403) is remembered and waited out', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => ({ status: 403, body: PB_BODIES.notAllowed }))
    await expect(r.refresh()).rejects.toMatchObject({ code: 'forbidden' })
    expect(r.setback).toMatchObject({ failures: 1, waitOut: true, error: { code: 'forbidden' } })
  })

  it('a refresh that returns an already-expired token made no progress: not applied, 30 s before the next try', async () => {
    const { refresher: r, pb, signIn, state, clock } = refresher()
    const session = signIn()
    pb.on(REFRESH, () => pb.authReply({ tokenSeconds: 0 }))
    await expect(r.refresh()).rejects.toMatchObject({
      code: 'unexpected_response',
      message: expect.stringContaining('already expired'),
    })
    expect(state.current).toBe(session)
    expect(r.setback).toMatchObject({
      failures: 1,
      retryInMs: RETRY_POLICY.noProgressMinMs,
      until: clock.now + RETRY_POLICY.noProgressMinMs,
      waitOut: true,
    })
  })

  it('a 401 ends a still-valid session as revoked and throws token_expired', async () => {
    const { refresher: r, pb, signIn, state, changes } = refresher()
    const session = signIn()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(r.refresh()).rejects.toMatchObject({ code: 'token_expired', status: 401 })
    expect(state.current).toBeNull()
    expect(changes.at(-1)).toEqual({ kind: 'signedOut', reason: 'revoked', previous: session })
    expect(r.setback).toBeUndefined()
  })

  it('a 401 past the expiry ends the session as expired', async () => {
    const { refresher: r, pb, signIn, clock, changes } = refresher()
    const session = signIn()
    clock.now = session.expiresAt
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(r.refresh()).rejects.toMatchObject({ code: 'token_expired' })
    expect(changes.at(-1)).toMatchObject({ kind: 'signedOut', reason: 'expired' })
  })

  it('a new session has no setback, and its failures count from 1 again', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => connectionRefused())
    await r.refresh().catch(() => undefined)
    await r.refresh().catch(() => undefined)
    signIn()
    expect(r.setback).toBeUndefined()
    await r.refresh().catch(() => undefined)
    expect(r.setback).toMatchObject({ failures: 1 })
  })

  it('clearSetback() forgets it', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    pb.on(REFRESH, () => connectionRefused())
    await r.refresh().catch(() => undefined)
    r.clearSetback()
    expect(r.setback).toBeUndefined()
  })

  it('without a session: not_authenticated, no request', async () => {
    const { refresher: r, pb } = refresher()
    await expect(r.refresh()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(pb.calls).toHaveLength(0)
  })

  it('an impersonation token without renew: token_not_refreshable, no request', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn({ refreshable: false })
    expect(r.canRenew).toBe(false)
    await expect(r.refresh()).rejects.toMatchObject({ code: 'token_not_refreshable' })
    expect(pb.calls).toHaveLength(0)
  })
})

describe('TokenRefresher.refresh: the session changes while it runs', () => {
  it('a newer sign-in wins over a refresh in flight: the refresh is aborted and not stored', async () => {
    const { refresher: r, pb, signIn, state } = refresher()
    signIn()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const refreshing = r.refresh()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    const newer = signIn()
    held.resolve(pb.authReply())
    await expect(refreshing).rejects.toMatchObject({
      code: 'aborted',
      message: expect.stringContaining('discarded'),
    })
    expect(state.current).toBe(newer)
  })

  it('a logout while it runs: aborted, nothing stored, no setback', async () => {
    const { refresher: r, pb, signIn, state } = refresher()
    signIn()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const refreshing = r.refresh()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    state.end('logout')
    held.resolve(connectionRefused())
    const error = await refreshing.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'aborted', cause: { code: 'network' } })
    expect(state.current).toBeNull()
    expect(r.setback).toBeUndefined()
  })

  it('a 401 of a superseded refresh ends nothing', async () => {
    const { refresher: r, pb, signIn, state } = refresher()
    signIn()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const refreshing = r.refresh()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    const newer = signIn()
    held.resolve(REJECTED_TOKEN)
    await expect(refreshing).rejects.toMatchObject({ code: 'aborted' })
    expect(state.current).toBe(newer)
  })
})

describe('TokenRefresher.dispose', () => {
  it('refuses later refreshes with not_authenticated naming dispose(), without a request', async () => {
    const { refresher: r, pb, signIn } = refresher()
    signIn()
    r.dispose()
    r.dispose()
    await expect(r.refresh()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('dispose()'),
    })
    expect(pb.calls).toHaveLength(0)
  })

  it('discards a refresh in flight: aborted, the old session kept', async () => {
    const { refresher: r, pb, signIn, state } = refresher()
    const session = signIn()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const refreshing = r.refresh()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    r.dispose()
    held.resolve(pb.authReply())
    await expect(refreshing).rejects.toMatchObject({ code: 'aborted' })
    expect(state.current).toBe(session)
  })
})

describe('TokenRefresher: renewing an impersonated child', () => {
  const child = (renew: Renewal) => refresher({}, { refreshable: false }, renew)

  it('renews a non-refreshable token through renew(), never auth-refresh, and announces expiring once', async () => {
    const parentSide = createFakePocketBase({ refreshable: false, tokenSeconds: 60 })
    const built: { world?: ReturnType<typeof refresher> } = {}
    const renew = vi.fn(async (): Promise<ReceivedAuth> =>
      receivedFrom(parentSide, built.world!.clock, { refreshable: false }),
    )
    const world = (built.world = child(renew))
    const session = world.signIn({ refreshable: false })
    expect(world.refresher.canRenew).toBe(true)
    world.clock.now += 55_000
    const [a, b] = await Promise.all([world.refresher.refresh(), world.refresher.refresh()])
    expect(a).toBe(b)
    expect(renew).toHaveBeenCalledOnce()
    expect(world.pb.calls).toHaveLength(0)
    expect(world.state.current).toBe(a)
    expect(a.refreshable).toBe(false)
    expect(world.seen.expiring).toEqual([{ session, msLeft: 5_000 }])
    expect(world.changes.map((c) => c.kind)).toEqual(['signedIn', 'tokenRefreshed'])
  })

  it("a failed renewal is the child's setback; a refresh_failed of the parent caused by the network is unreachable", async () => {
    const parentDown = new RefreshFailedError(
      'getToken: the token expired and could not be refreshed (network)',
      {
        cause: new NetworkError('POST /x: network error (ECONNREFUSED)'),
      },
    )
    const { refresher: r, signIn, state } = child(() => Promise.reject(parentDown))
    const session = signIn({ refreshable: false })
    await expect(r.refresh()).rejects.toBe(parentDown)
    expect(r.setback).toMatchObject({ failures: 1, error: parentDown, waitOut: false })
    expect(state.current).toBe(session)
  })

  it('a renewal that fails with something other than an AuthError is rethrown, not remembered', async () => {
    const boom = new Error('boom')
    const { refresher: r, signIn } = child(() => Promise.reject(boom))
    signIn({ refreshable: false })
    await expect(r.refresh()).rejects.toBe(boom)
    expect(r.setback).toBeUndefined()
  })
})

describe('TokenRefresher: announceExpiring / hasAnnouncedExpiring', () => {
  it('emits expiring once per token, with the time left, and remembers it', () => {
    const { refresher: r, signIn, seen, clock } = refresher()
    const session = signIn({ refreshable: false })
    expect(r.hasAnnouncedExpiring(session)).toBe(false)
    clock.now += 10_000
    r.announceExpiring(session)
    r.announceExpiring(session)
    expect(seen.expiring).toEqual([{ session, msLeft: 50_000 }])
    expect(r.hasAnnouncedExpiring(session)).toBe(true)
  })

  it('a new token is announced again', () => {
    const { refresher: r, signIn, seen } = refresher()
    const first = signIn({ refreshable: false })
    r.announceExpiring(first)
    const second = signIn({ refreshable: false })
    expect(r.hasAnnouncedExpiring(second)).toBe(false)
    r.announceExpiring(second)
    expect(seen.expiring.map((event) => event.session)).toEqual([first, second])
  })

  it('a negative msLeft for a token already expired', () => {
    const { refresher: r, signIn, seen, clock } = refresher()
    const session = signIn({ refreshable: false })
    clock.now = session.expiresAt + 1_000
    r.announceExpiring(session)
    expect(seen.expiring[0]!.msLeft).toBe(-1_000)
  })
})
