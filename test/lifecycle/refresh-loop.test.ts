/**
 * RefreshLoop alone: a real SessionState whose change hook re-arms the loop (as the lifecycle wires it), stub
 * `LoopRefresher` / `LoopKeeper` objects that the test scripts, and fake timers driving the clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthClientOptions } from '../../src/config.js'
import type { AuthError } from '../../src/errors/auth-error.js'
import { ForbiddenError, RateLimitedError } from '../../src/errors/protocol.js'
import { TokenExpiredError } from '../../src/errors/session-errors.js'
import { AbortedError, NetworkError } from '../../src/errors/transport.js'
import { RefreshLoop, type LoopKeeper, type LoopRefresher } from '../../src/lifecycle/refresh-loop.js'
import type { Setback } from '../../src/lifecycle/token-refresher.js'
import { RETRY_POLICY } from '../../src/scheduler/backoff.js'
import { SessionState, type SessionChange } from '../../src/session/session-state.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import type { AuthSession } from '../../src/session/types.js'
import { partWorld, recordingEmitter, sessionFrom, START, type Clock } from './parts.js'

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A scriptable refresher: `refresh` is a mock; `setback`, `canRenew` and the expiring bookkeeping are plain. */
interface StubRefresher extends LoopRefresher {
  setback: Setback | undefined
  canRenew: boolean
  announced: AuthSession[]
  refresh: ReturnType<typeof vi.fn<LoopRefresher['refresh']>>
}

interface StubKeeper extends LoopKeeper {
  maySignInUnattended: ReturnType<typeof vi.fn<LoopKeeper['maySignInUnattended']>>
  signInWithCredentials: ReturnType<typeof vi.fn<LoopKeeper['signInWithCredentials']>>
}

/** The loop on a 60 s token world (due 12 s before expiry), the clock offset by `clockOffset.ms` from the timers. */
function loopWorld(options: Partial<AuthClientOptions> = {}, spread = 0) {
  const clockOffset = { ms: 0 }
  const clock: Clock = {
    get now() {
      return Date.now() + clockOffset.ms
    },
  } as Clock
  const world = partWorld({ autoRefresh: true, ...options }, { tokenSeconds: 60 }, clock)
  const changes: SessionChange[] = []
  // As SessionLifecycle wires it: every change re-arms the loop (built after the state it reads).
  const wiring: { loop?: RefreshLoop } = {}
  const state = new SessionState(new MemoryTokenStore(), {
    sessionChanged: (change) => {
      changes.push(change)
      wiring.loop?.reschedule()
    },
  })
  const refresher: StubRefresher = {
    setback: undefined,
    canRenew: false,
    announced: [],
    hasAnnouncedExpiring(session) {
      return this.announced.includes(session)
    },
    announceExpiring(session) {
      this.announced.push(session)
    },
    refresh: vi.fn<LoopRefresher['refresh']>(),
  }
  const keeper: StubKeeper = {
    maySignInUnattended: vi.fn<LoopKeeper['maySignInUnattended']>(() => true),
    signInWithCredentials: vi.fn<LoopKeeper['signInWithCredentials']>(),
  }
  const { events, seen } = recordingEmitter()
  const loop = (wiring.loop = new RefreshLoop(world.config, state, refresher, keeper, events, spread))
  const newSession = (overrides: { refreshable?: boolean } = {}) => sessionFrom(world.pb, clock, overrides)
  const signIn = (overrides: { refreshable?: boolean } = {}) => {
    const session = newSession(overrides)
    state.apply(session, 'signedIn')
    return session
  }
  /** Makes `refresh` succeed by storing a new session, as the real refresher does. */
  const refreshSucceeds = () =>
    refresher.refresh.mockImplementation(async () => {
      const session = newSession({ refreshable: state.current?.refreshable ?? true })
      state.apply(session, 'tokenRefreshed')
      return session
    })
  /** Makes `refresh` fail with `error`, recording it as the setback the real refresher would keep. */
  const refreshFails = (error: AuthError, retryInMs: number, waitOut = false) =>
    refresher.refresh.mockImplementation(async () => {
      const failures = (refresher.setback?.failures ?? 0) + 1
      refresher.setback = {
        failures,
        until: clock.now + retryInMs,
        retryInMs,
        version: state.version,
        error,
        waitOut,
      }
      throw error
    })
  return {
    ...world,
    clockOffset,
    state,
    changes,
    refresher,
    keeper,
    seen,
    loop,
    newSession,
    signIn,
    refreshSucceeds,
    refreshFails,
  }
}

const network = () =>
  new NetworkError('POST /api/collections/users/auth-refresh: network error (ECONNREFUSED)')

describe('RefreshLoop: arming', () => {
  it('arms nothing without a session', () => {
    const { loop } = loopWorld()
    loop.reschedule()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('arms nothing with autoRefresh off', () => {
    const { signIn } = loopWorld({ autoRefresh: false })
    signIn()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('arms one timer per session change, never more', () => {
    const { signIn, state, lines } = loopWorld()
    signIn()
    signIn()
    expect(vi.getTimerCount()).toBe(1)
    expect(lines.filter((line) => line.message === 'refresh timer armed')).toEqual([
      { level: 'debug', message: 'refresh timer armed', context: { inMs: 48_000, refreshable: true } },
      { level: 'debug', message: 'refresh timer armed', context: { inMs: 48_000, refreshable: true } },
    ])
    state.end('logout')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('refreshes exactly when due (expiresAt - 20% of a 60 s lifetime), not a millisecond before', async () => {
    const { signIn, refresher, refreshSucceeds } = loopWorld()
    refreshSucceeds()
    signIn()
    await vi.advanceTimersByTimeAsync(47_999)
    expect(refresher.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(refresher.refresh).toHaveBeenCalledOnce()
  })

  it('its place in the spread moves the refresh up to a quarter of the skew earlier', async () => {
    const { signIn, refresher, refreshSucceeds } = loopWorld({}, 1)
    refreshSucceeds()
    signIn()
    await vi.advanceTimersByTimeAsync(44_999)
    expect(refresher.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(refresher.refresh).toHaveBeenCalledOnce()
  })

  it('keeps a session alive over several lifetimes: one refresh per lifetime, re-armed by each change', async () => {
    const { signIn, refresher, refreshSucceeds, changes } = loopWorld()
    refreshSucceeds()
    signIn()
    await vi.advanceTimersByTimeAsync(48_000 * 3)
    expect(refresher.refresh).toHaveBeenCalledTimes(3)
    expect(changes.map((c) => c.kind)).toEqual([
      'signedIn',
      'tokenRefreshed',
      'tokenRefreshed',
      'tokenRefreshed',
    ])
  })

  it('a timer that fires before the injected clock says it is due re-arms for the rest and refreshes nothing', async () => {
    const { signIn, refresher, refreshSucceeds, clockOffset } = loopWorld()
    refreshSucceeds()
    signIn()
    clockOffset.ms = -10_000 // the clock went back 10 s after arming
    await vi.advanceTimersByTimeAsync(48_000)
    expect(refresher.refresh).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(refresher.refresh).toHaveBeenCalledOnce()
  })

  it('with a setback already known, arms for its end rather than the due time', async () => {
    const { signIn, refresher, refreshSucceeds } = loopWorld()
    refresher.setback = {
      failures: 1,
      until: START + 5_000,
      retryInMs: 5_000,
      version: 1,
      error: network(),
      waitOut: false,
    }
    refreshSucceeds()
    signIn()
    await vi.advanceTimersByTimeAsync(5_000)
    expect(refresher.refresh).toHaveBeenCalledOnce()
  })
})

describe('RefreshLoop: transient failures', () => {
  it('announces willRetry with the setback delay, logs a warning, and retries when the setback ends', async () => {
    const { signIn, refresher, refreshFails, seen, lines } = loopWorld()
    const error = network()
    refreshFails(error, 4_000)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed).toEqual([{ error, willRetry: true, retryInMs: 4_000 }])
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'background refresh failed; retrying',
      context: { code: 'network', retryInMs: 4_000 },
    })
    await vi.advanceTimersByTimeAsync(3_999)
    expect(refresher.refresh).toHaveBeenCalledOnce()
    await vi.advanceTimersByTimeAsync(1)
    expect(refresher.refresh).toHaveBeenCalledTimes(2)
    expect(seen.error).toEqual([])
  })

  it('keeps the session past its expiry while the failures are transient (an outage)', async () => {
    const { signIn, refresher, refreshFails, state, changes } = loopWorld()
    refreshFails(network(), 5_000)
    const session = signIn()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(state.current).toBe(session)
    expect(changes.map((c) => c.kind)).toEqual(['signedIn'])
    expect(refresher.refresh.mock.calls.length).toBeGreaterThan(10)
  })

  it('a rate limit is retried too', async () => {
    const { signIn, refreshFails, seen } = loopWorld()
    refreshFails(new RateLimitedError('POST /x (429): too many requests', 60_000), 60_000, true)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed[0]).toMatchObject({ willRetry: true, retryInMs: 60_000 })
  })
})

describe('RefreshLoop: other failures', () => {
  it('a refusal: willRetry false and an error event; one more try at expiry, then the session ends (expired)', async () => {
    const { signIn, refresher, refreshFails, seen, state, changes } = loopWorld()
    const error = new ForbiddenError('POST /api/collections/users/auth-refresh (403): forbidden')
    refreshFails(error, RETRY_POLICY.baseMs, true)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed).toEqual([{ error, willRetry: false, retryInMs: undefined }])
    expect(seen.error).toEqual([error])
    expect(state.current).not.toBeNull()
    await vi.advanceTimersByTimeAsync(11_999)
    expect(refresher.refresh).toHaveBeenCalledOnce()
    await vi.advanceTimersByTimeAsync(1)
    expect(refresher.refresh).toHaveBeenCalledTimes(2)
    expect(state.current).toBeNull()
    expect(changes.at(-1)).toMatchObject({ kind: 'signedOut', reason: 'expired' })
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a rejected token with credentials allowed: signs in again through the keeper', async () => {
    const { signIn, refresher, keeper, state, seen } = loopWorld()
    refresher.refresh.mockImplementation(async () => {
      state.end('revoked')
      throw new TokenExpiredError('POST /x (401): rejected')
    })
    keeper.signInWithCredentials.mockImplementation(async () => {
      const session = signIn()
      return session
    })
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(keeper.maySignInUnattended).toHaveBeenCalledWith('background')
    expect(keeper.signInWithCredentials).toHaveBeenCalledOnce()
    expect(state.current).not.toBeNull()
    expect(seen.refreshFailed).toEqual([])
  })

  it('a rejected token when the background may not sign in (logout): willRetry false, no sign-in', async () => {
    const { signIn, refresher, keeper, state, seen } = loopWorld()
    const error = new TokenExpiredError('POST /x (401): rejected')
    refresher.refresh.mockImplementation(async () => {
      state.end('revoked')
      throw error
    })
    keeper.maySignInUnattended.mockReturnValue(false)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(keeper.signInWithCredentials).not.toHaveBeenCalled()
    expect(seen.refreshFailed).toEqual([{ error, willRetry: false, retryInMs: undefined }])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a refresh aborted by a session change: the change re-armed the loop; nothing is announced', async () => {
    const { signIn, refresher, refreshSucceeds, state, seen, newSession } = loopWorld()
    refresher.refresh.mockImplementationOnce(async () => {
      state.apply(newSession(), 'signedIn')
      throw new AbortedError('authRefresh: discarded')
    })
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed).toEqual([])
    expect(vi.getTimerCount()).toBe(1)
    refreshSucceeds()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(refresher.refresh).toHaveBeenCalledTimes(2)
  })

  it('a failure that is not an AuthError: an error event and an error log line', async () => {
    const { signIn, refresher, seen, lines } = loopWorld()
    const boom = new Error('boom')
    refresher.refresh.mockRejectedValue(boom)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.error).toEqual([boom])
    expect(seen.refreshFailed).toEqual([])
    expect(lines.filter((line) => line.level === 'error')).toHaveLength(1)
    expect(lines.find((line) => line.level === 'error')?.message).toBe(
      'background refresh failed unexpectedly',
    )
  })

  it('a failure that is not an AuthError does not stop the loop: it tries again after the longest backoff', async () => {
    const { signIn, refresher, seen } = loopWorld()
    refresher.refresh.mockRejectedValueOnce(new Error('boom'))
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(refresher.refresh).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(1)
    refresher.refresh.mockResolvedValue(undefined as never)
    await vi.advanceTimersByTimeAsync(RETRY_POLICY.maxMs - 1)
    expect(refresher.refresh).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(refresher.refresh).toHaveBeenCalledTimes(2)
    expect(seen.error).toHaveLength(1)
  })
})

describe('RefreshLoop: signing in again after a rejected token', () => {
  function rejectedWorld() {
    const made = loopWorld()
    made.refresher.refresh.mockImplementation(async () => {
      made.state.end('revoked')
      throw new TokenExpiredError('POST /x (401): rejected')
    })
    return made
  }

  it('retries a transient sign-in failure with backoff (1 s, 2 s...) and announces each', async () => {
    const { signIn, keeper, seen } = rejectedWorld()
    keeper.signInWithCredentials.mockRejectedValue(network())
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(keeper.signInWithCredentials).toHaveBeenCalledOnce()
    expect(seen.refreshFailed.at(-1)).toMatchObject({ willRetry: true, retryInMs: 1_000 })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(keeper.signInWithCredentials).toHaveBeenCalledTimes(2)
    expect(seen.refreshFailed.at(-1)).toMatchObject({ willRetry: true, retryInMs: 2_000 })
    await vi.advanceTimersByTimeAsync(1_999)
    expect(keeper.signInWithCredentials).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(keeper.signInWithCredentials).toHaveBeenCalledTimes(3)
  })

  it('stops retrying once the background may no longer sign in, reporting the last failure', async () => {
    const { signIn, keeper, seen } = rejectedWorld()
    const error = network()
    keeper.signInWithCredentials.mockRejectedValue(error)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    keeper.maySignInUnattended.mockReturnValue(false)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(seen.refreshFailed.at(-1)).toEqual({ error, willRetry: false, retryInMs: undefined })
    expect(seen.error).toEqual([error])
    await vi.advanceTimersByTimeAsync(120_000)
    expect(keeper.signInWithCredentials).toHaveBeenCalledTimes(2)
  })

  it('a refused sign-in (not transient): refreshFailed without retry and an error event', async () => {
    const { signIn, keeper, seen } = rejectedWorld()
    const refused = new ForbiddenError('POST /x (403): forbidden')
    keeper.signInWithCredentials.mockRejectedValue(refused)
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed).toEqual([{ error: refused, willRetry: false, retryInMs: undefined }])
    expect(seen.error).toEqual([refused])
    await vi.advanceTimersByTimeAsync(120_000)
    expect(keeper.signInWithCredentials).toHaveBeenCalledOnce()
  })

  it('a sign-in superseded (aborted) reports nothing', async () => {
    const { signIn, keeper, seen } = rejectedWorld()
    keeper.signInWithCredentials.mockRejectedValue(new AbortedError('superseded'))
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    expect(seen.refreshFailed).toEqual([])
    expect(seen.error).toEqual([])
  })

  it('a session change (a sign-in by a caller) cancels the pending retry', async () => {
    const { signIn, keeper, refreshSucceeds } = rejectedWorld()
    keeper.signInWithCredentials.mockRejectedValue(network())
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    refreshSucceeds()
    signIn()
    await vi.advanceTimersByTimeAsync(30_000)
    expect(keeper.signInWithCredentials).toHaveBeenCalledOnce()
  })
})

describe('RefreshLoop: tokens it cannot refresh', () => {
  it('announces expiring when due, ends the session at expiry, and never calls refresh', async () => {
    const { signIn, refresher, state, changes } = loopWorld()
    const session = signIn({ refreshable: false })
    await vi.advanceTimersByTimeAsync(48_000)
    expect(refresher.announced).toEqual([session])
    expect(state.current).toBe(session)
    await vi.advanceTimersByTimeAsync(11_999)
    expect(state.current).toBe(session)
    await vi.advanceTimersByTimeAsync(1)
    expect(state.current).toBeNull()
    expect(changes.at(-1)).toMatchObject({ kind: 'signedOut', reason: 'expired' })
    expect(refresher.refresh).not.toHaveBeenCalled()
  })

  it('a child that can renew renews when due instead', async () => {
    const { signIn, refresher, refreshSucceeds } = loopWorld()
    refresher.canRenew = true
    refreshSucceeds()
    signIn({ refreshable: false })
    await vi.advanceTimersByTimeAsync(48_000)
    expect(refresher.refresh).toHaveBeenCalledOnce()
  })
})

describe('RefreshLoop.stop', () => {
  it('disarms for good: no timer, reschedule() arms nothing, idempotent', async () => {
    const { signIn, loop, refresher, refreshSucceeds } = loopWorld()
    refreshSucceeds()
    signIn()
    loop.stop()
    loop.stop()
    expect(vi.getTimerCount()).toBe(0)
    signIn()
    loop.reschedule()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(refresher.refresh).not.toHaveBeenCalled()
  })

  it('a failure that arrives after stop() is not reported and arms nothing', async () => {
    const { signIn, loop, refresher, seen } = loopWorld()
    let fail!: (error: unknown) => void
    refresher.refresh.mockImplementation(() => new Promise((_, reject) => (fail = reject)))
    signIn()
    await vi.advanceTimersByTimeAsync(48_000)
    loop.stop()
    fail(network())
    await vi.advanceTimersByTimeAsync(0)
    expect(seen.refreshFailed).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
