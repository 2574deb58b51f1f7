import type { ResolvedConfig } from '../config.js'
import { isAuthError, type AuthError } from '../errors/auth-error.js'
import type { AuthEventEmitter } from '../events.js'
import { RETRY_POLICY } from '../scheduler/backoff.js'
import { nextRefreshAt } from '../scheduler/next-refresh-at.js'
import { SingleTimer } from '../scheduler/timer.js'
import type { SessionState } from '../session/session-state.js'
import type { AuthSession } from '../session/types.js'
import { isTransient, retryDelayAfter } from './failures.js'
import type { TokenKeeper } from './token-keeper.js'
import type { TokenRefresher } from './token-refresher.js'

/** What the loop asks of the refresher (a `TokenRefresher`; a stub in the loop's own tests). */
export type LoopRefresher = Pick<
  TokenRefresher,
  'setback' | 'canRenew' | 'hasAnnouncedExpiring' | 'announceExpiring' | 'refresh'
>

/** What the loop asks of the token keeper (a `TokenKeeper`; a stub in the loop's own tests). */
export type LoopKeeper = Pick<TokenKeeper, 'maySignInUnattended' | 'signInWithCredentials'>

/**
 * The background refresh loop of one client: one timer, re-armed on every session change (`reschedule()`).
 * Refreshes refreshable tokens (and renews impersonated children created with `renew`) a little before they are
 * due, at a moment of its own within the spread (`nextRefreshAt`); after a transient failure it waits for the
 * keeper's backoff and tries again, keeping the session even past its expiry; after a 401 it signs in again
 * through `credentials` (unless `logout()` came first); for other non-refreshable tokens it emits `expiring`
 * and ends the session at expiry. The maths is `scheduler/`'s; this is the shell that acts on it.
 */
export class RefreshLoop {
  readonly #config: ResolvedConfig
  readonly #state: SessionState
  readonly #refresher: LoopRefresher
  readonly #keeper: LoopKeeper
  readonly #events: AuthEventEmitter
  readonly #timer = new SingleTimer()
  /** Made once, not per arming: a process may hold thousands of loops. */
  readonly #onTimerCallback = (): void => this.#onTimer()
  /** This client's place in the spread window (see `nextRefreshAt`), drawn once. */
  readonly #spread: number
  /** Failed unattended sign-ins in a row (there is no session, so no setback, to count them). */
  #signInFailures = 0
  #stopped = false

  /**
   * @param config - the client's resolved config (clock, skew, `autoRefresh`, logger)
   * @param state - the session store (read only, except ending an expired session)
   * @param refresher - refreshes and renews, and knows the setback
   * @param keeper - signs in again through `credentials`
   * @param events - where `refreshFailed` and `error` are emitted
   * @param spread - this client's place in the spread, from 0 to 1 @default Math.random()
   */
  constructor(
    config: ResolvedConfig,
    state: SessionState,
    refresher: LoopRefresher,
    keeper: LoopKeeper,
    events: AuthEventEmitter,
    spread: number = Math.random(),
  ) {
    this.#config = config
    this.#state = state
    this.#refresher = refresher
    this.#keeper = keeper
    this.#events = events
    this.#spread = spread
  }

  /** Re-arms for the current session (or disarms when there is none). Called on every session change. */
  reschedule(): void {
    this.#signInFailures = 0
    this.#arm()
  }

  /** Disarms for good; `reschedule()` does nothing afterwards. Idempotent. */
  stop(): void {
    this.#stopped = true
    this.#timer.cancel()
  }

  #arm(): void {
    this.#timer.cancel()
    const session = this.#state.current
    if (this.#stopped || !this.#config.autoRefresh || session === null) return
    const now = this.#config.now()
    const at = this.#nextActionAt(session, now)
    this.#timer.arm(at - now, this.#onTimerCallback)
    this.#config.logger.debug('refresh timer armed', {
      inMs: Math.max(0, at - now),
      refreshable: session.refreshable,
    })
  }

  /** When the timer should next act on `session` (epoch ms). */
  #nextActionAt(session: AuthSession, now: number): number {
    const setback = this.#refresher.setback
    // After a transient failure, the backoff; after a refusal, one more try at expiry.
    if (setback !== undefined) {
      return isTransient(setback.error) ? setback.until : Math.max(setback.until, session.expiresAt)
    }
    const canRefresh = session.refreshable || this.#refresher.canRenew
    if (!canRefresh && this.#refresher.hasAnnouncedExpiring(session)) return session.expiresAt
    return this.#dueAt(session, now)
  }

  /** When this client's timer refreshes `session` (epoch ms; `now` once due): see `nextRefreshAt`. */
  #dueAt(session: AuthSession, now: number): number {
    const skew = this.#config.refreshSkewSeconds
    return nextRefreshAt(session.expiresAt, session.issuedAt, now, skew, this.#spread)
  }

  #onTimer(): void {
    const session = this.#state.current
    if (session === null || this.#stopped) return
    const now = this.#config.now()
    // The clock (`now`) may not be where the timer expected: not due yet, arm again for the rest.
    if (this.#nextActionAt(session, now) > now) return this.#arm()
    if (session.refreshable || this.#refresher.canRenew) return this.#refreshNow()
    if (now >= session.expiresAt) return this.#state.end('expired')
    this.#refresher.announceExpiring(session)
    this.#arm()
  }

  #refreshNow(): void {
    // Success changes the session, which reschedules; only failures need handling here.
    this.#refresher.refresh().catch((error: unknown) => this.#onRefreshError(error))
  }

  #onRefreshError(error: unknown): void {
    if (this.#stopped) return
    if (!isAuthError(error)) {
      // Not a failure the SDK knows (a bug, or a non-Error thrown by a custom fetch): report it and try again
      // later rather than stop refreshing this session.
      this.#reportFatal(toError(error), 'background refresh failed unexpectedly')
      return this.#timer.arm(RETRY_POLICY.maxMs, () => this.#refreshNow())
    }
    // The session changed while refreshing (that change re-armed the timer already); re-arming is idempotent.
    if (error.code === 'aborted') return this.#arm()
    if (error.code === 'token_expired') {
      // The keeper ended the session (rejected token).
      if (this.#keeper.maySignInUnattended('background')) return this.#signInAgain()
      return this.#announce(error, false)
    }
    if (isTransient(error)) {
      const retryInMs = this.#refresher.setback?.retryInMs
      this.#announce(error, true, retryInMs)
      this.#config.logger.warn('background refresh failed; retrying', { code: error.code, retryInMs })
      return this.#arm()
    }
    this.#announce(error, false)
    this.#events.emit('error', error)
    // Try once more at expiry (see #nextActionAt); a token that has expired and still cannot be refreshed ends
    // the session.
    const session = this.#state.current
    if (session !== null && this.#config.now() >= session.expiresAt) this.#state.end('expired')
    else this.#arm()
  }

  #signInAgain(): void {
    this.#keeper.signInWithCredentials().catch((error: unknown) => {
      // A later sign-in or logout() superseded this one: nothing failed.
      if (this.#stopped || (isAuthError(error) && error.code === 'aborted')) return
      if (isAuthError(error) && isTransient(error) && this.#keeper.maySignInUnattended('background')) {
        const retryInMs = retryDelayAfter(error, ++this.#signInFailures)
        this.#announce(error, true, retryInMs)
        this.#config.logger.warn('background sign-in failed; retrying', { code: error.code, retryInMs })
        return this.#timer.arm(retryInMs, () => this.#signInAgain())
      }
      this.#reportFatal(toError(error), 'background sign-in failed')
    })
  }

  #announce(error: AuthError, willRetry: boolean, retryInMs?: number): void {
    this.#events.emit('refreshFailed', { error, willRetry, retryInMs })
  }

  #reportFatal(error: Error, message: string): void {
    this.#config.logger.error(message, {
      code: isAuthError(error) ? error.code : 'unknown',
    })
    if (isAuthError(error)) this.#announce(error, false)
    this.#events.emit('error', error)
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error('non-error thrown')
}
