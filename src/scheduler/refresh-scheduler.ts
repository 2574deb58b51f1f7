import { isAuthError, type AuthError } from '../errors/auth-error.js'
import { RateLimitedError } from '../errors/protocol.js'
import type { ClientCore } from '../lifecycle/core.js'
import { RETRY_POLICY, backoffDelayMs } from './backoff.js'
import { nextRefreshAt } from './next-refresh-at.js'
import type { AuthSession } from '../session/types.js'
import { SingleTimer } from './timer.js'

/** Failures worth retrying: the server may answer differently in a moment. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'network',
  'timeout',
  'server_error',
  'rate_limited',
  'unexpected_response',
])

/**
 * The thin timer shell around `nextRefreshAt`: one timer per client, re-armed on every session change.
 * Refreshes refreshable tokens before expiry, retries transient failures with backoff and jitter, signs in
 * again through `credentials` after a 401, and for non-refreshable tokens emits `expiring` (renewing an
 * impersonated child when it can) and ends the session at expiry.
 */
export class RefreshScheduler {
  readonly #deps: ClientCore
  readonly #timer = new SingleTimer()
  #attempt = 0
  #stopped = false
  #expiringAnnouncedFor: string | undefined
  /** This client's place in the spread window (see `nextRefreshAt`), drawn once. */
  readonly #spread = Math.random()

  /** @param core - the client's shared parts */
  constructor(core: ClientCore) {
    this.#deps = core
  }

  /** Re-arms for the current session (or disarms when there is none). Called on every session change. */
  reschedule(): void {
    this.#attempt = 0
    this.#arm()
  }

  /** Disarms for good; `reschedule()` does nothing afterwards. Idempotent. */
  stop(): void {
    this.#stopped = true
    this.#timer.cancel()
  }

  #arm(): void {
    const { config, state } = this.#deps
    this.#timer.cancel()
    const session = state.current
    if (this.#stopped || !config.autoRefresh || session === null) return
    const now = config.now()
    const at =
      !session.refreshable && this.#expiringAnnouncedFor === session.token
        ? session.expiresAt
        : this.#dueAt(session, now)
    this.#timer.arm(at - now, () => this.#onTimer())
    config.logger.debug('refresh timer armed', {
      inMs: Math.max(0, at - now),
      refreshable: session.refreshable,
    })
  }

  /** When this client's timer refreshes `session` (epoch ms; `now` once due): see `nextRefreshAt`. */
  #dueAt(session: AuthSession, now: number): number {
    const skew = this.#deps.config.refreshSkewSeconds
    return nextRefreshAt(session.expiresAt, session.issuedAt, now, skew, this.#spread)
  }

  #onTimer(): void {
    const { config, state, keeper } = this.#deps
    const session = state.current
    if (session === null || this.#stopped) return
    const now = config.now()
    // The client's clock (`now`) may not be where the timer expected: not due yet, arm again for the rest.
    if (this.#dueAt(session, now) > now) return this.#arm()
    if (session.refreshable || keeper.canRenew) return this.#refreshNow()
    if (now >= session.expiresAt) return state.end('expired')
    this.announceExpiring(session)
    this.#arm()
  }

  /**
   * Emits `expiring` for a non-refreshable token, once per token: when its timer fires, or when a renewal of an
   * impersonated child starts, whoever starts it (the timer or a caller's `getToken()`).
   *
   * @param session - the session whose token is about to expire or be replaced
   */
  announceExpiring(session: AuthSession): void {
    if (this.#expiringAnnouncedFor === session.token) return
    this.#expiringAnnouncedFor = session.token
    this.#deps.events.emit('expiring', { session, msLeft: session.expiresAt - this.#deps.config.now() })
  }

  #refreshNow(): void {
    this.#deps.keeper.refresh().catch((error: unknown) => this.#onRefreshError(error))
  }

  #onRefreshError(error: unknown): void {
    const { state, keeper, config } = this.#deps
    if (this.#stopped) return
    if (!isAuthError(error)) return this.#reportFatal(toError(error))
    // The session changed while refreshing (that change re-armed the timer already); re-arming is idempotent.
    if (error.code === 'aborted') return this.#arm()
    if (error.code === 'token_expired') {
      if (keeper.canSignInUnattended) return this.#signInAgain()
      return this.#announce(error, false)
    }
    if (TRANSIENT_CODES.has(error.code)) return this.#retry(error, () => this.#refreshNow())
    this.#announce(error, false)
    this.#deps.events.emit('error', error)
    // Try once more at expiry; a token that has expired and cannot be refreshed ends the session.
    const session = state.current
    if (session === null) return
    if (config.now() < session.expiresAt) {
      this.#timer.arm(session.expiresAt - config.now(), () => this.#refreshNow())
    } else {
      state.end('expired')
    }
  }

  #signInAgain(): void {
    this.#deps.keeper.signInWithCredentials().catch((error: unknown) => {
      // A later sign-in or logout() superseded this one: nothing failed.
      if (this.#stopped || (isAuthError(error) && error.code === 'aborted')) return
      if (isAuthError(error) && TRANSIENT_CODES.has(error.code)) {
        return this.#retry(error, () => this.#signInAgain())
      }
      this.#reportFatal(toError(error))
    })
  }

  #retry(error: AuthError, again: () => void): void {
    // A server that says when to come back (Retry-After on a 429) is believed over the backoff, up to an hour.
    const retryAfterMs =
      error instanceof RateLimitedError ? Math.min(RETRY_POLICY.retryAfterMaxMs, error.retryAfterMs ?? 0) : 0
    const retryInMs = Math.max(backoffDelayMs(this.#attempt++), retryAfterMs)
    this.#announce(error, true, retryInMs)
    this.#deps.config.logger.warn('background refresh failed; retrying', { code: error.code, retryInMs })
    this.#timer.arm(retryInMs, again)
  }

  #announce(error: AuthError, willRetry: boolean, retryInMs?: number): void {
    this.#deps.events.emit('refreshFailed', { error, willRetry, retryInMs })
  }

  #reportFatal(error: Error): void {
    this.#deps.config.logger.error('background sign-in failed', {
      code: isAuthError(error) ? error.code : 'unknown',
    })
    if (isAuthError(error)) this.#announce(error, false)
    this.#deps.events.emit('error', error)
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error('non-error thrown')
}
