import type { ResolvedConfig } from '../config.js'
import { isAuthError, type AuthError } from '../errors/auth-error.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { NotAuthenticatedError, TokenNotRefreshableError } from '../errors/session-errors.js'
import { AbortedError } from '../errors/transport.js'
import type { AuthEventEmitter } from '../events.js'
import { refreshRequest } from '../flows/refresh.js'
import { isRefreshDue } from '../scheduler/next-refresh-at.js'
import type { ReceivedAuth } from '../session/build-session.js'
import type { SessionState } from '../session/session-state.js'
import type { AuthSession } from '../session/types.js'
import { abandonOnAbort } from './abandon-on-abort.js'
import { disposedError } from './disposed.js'
import { isUnreachable, retryDelayAfter } from './failures.js'
import type { FleetSession } from './fleet-session.js'
import type { SessionFactory } from './session-factory.js'

/** Obtains a fresh impersonation token for a child client through its parent. */
export type Renewal = () => Promise<ReceivedAuth>

/** The last failed refresh or renewal of the current session: when to try again. */
export interface Setback {
  /** Failures in a row on this session so far, from 1. */
  readonly failures: number
  /** No new try before this time (epoch ms), except a caller's try at once after an unreachable server. */
  readonly until: number
  /** `until` minus the time of the failure. */
  readonly retryInMs: number
  /** The session version it failed on; a newer session has no setback. */
  readonly version: number
  readonly error: AuthError
  /** Callers holding an expired token wait it out too (rate limits, no progress); else they try at once. */
  readonly waitOut: boolean
}

/** Why a refresh that logout() or a newer sign-in superseded is rejected (`aborted`). */
const DISCARDED = 'authRefresh: discarded, the session changed while the refresh was running'

/**
 * Refreshes the session's token (or renews an impersonated child's), single-flight, and remembers how the last
 * attempt failed as the session's {@link Setback}, so that the refresh loop and callers back off alike. It also
 * announces `expiring` for non-refreshable tokens, once per token.
 */
export class TokenRefresher {
  readonly #config: ResolvedConfig
  readonly #state: SessionState
  readonly #sessions: SessionFactory
  readonly #events: AuthEventEmitter
  readonly #renew: Renewal | undefined
  readonly #fleet: FleetSession | undefined
  #refreshing: Promise<AuthSession> | undefined
  #setback: Setback | undefined
  #expiringAnnouncedFor: string | undefined
  #disposed = false

  /**
   * @param config - the client's resolved config (clock, connection)
   * @param state - the session store
   * @param sessions - turns auth responses into sessions
   * @param events - where `expiring` is emitted
   * @param renew - for an impersonated child created with `renew`: how to renew through the parent
   * @param fleet - for a client with a `share`: refreshes once for the whole fleet
   */
  constructor(
    config: ResolvedConfig,
    state: SessionState,
    sessions: SessionFactory,
    events: AuthEventEmitter,
    renew?: Renewal,
    fleet?: FleetSession,
  ) {
    this.#config = config
    this.#state = state
    this.#sessions = sessions
    this.#events = events
    this.#renew = renew
    this.#fleet = fleet
  }

  /**
   * Whether a non-refreshable token can be renewed (an impersonated child created with `renew`).
   *
   * @returns `true` for such a child
   */
  get canRenew(): boolean {
    return this.#renew !== undefined
  }

  /**
   * The last failed refresh or renewal of the current session, if the current session had one.
   *
   * @returns the setback, or `undefined` when the last refresh of this session succeeded or none failed
   */
  get setback(): Setback | undefined {
    const setback = this.#setback
    return setback?.version === this.#state.version ? setback : undefined
  }

  /** Forgets the setback (`logout()`). */
  clearSetback(): void {
    this.#setback = undefined
  }

  /** Discards every later result; a refresh in flight ends `aborted`. Idempotent. */
  dispose(): void {
    this.#disposed = true
  }

  /**
   * Refreshes (or, for an impersonated child, renews) the current token; single-flight. A result that arrives
   * after the session changed is discarded (`aborted`). A 401 ends the session and throws `token_expired`. A
   * refresh that returns a token already expired by the local clock made no progress: it is not applied, and the
   * next try waits at least `RETRY_POLICY.noProgressMinMs`. Any other failure is remembered as the session's
   * {@link Setback}. A caller's `signal` only cancels that caller's wait, never the shared request.
   *
   * @param options - `signal` stops this caller's wait; `fields` and `expand` shape the response
   * @returns the refreshed (or renewed) session
   * @throws {AuthError} `aborted`, `token_expired`, `not_authenticated` (no session, or disposed),
   * `token_not_refreshable` (impersonation token without `renew`), `unexpected_response` (no progress), and any
   * code of the request.
   */
  refresh(options?: { signal?: AbortSignal; fields?: string; expand?: string }): Promise<AuthSession> {
    if (this.#disposed) return Promise.reject(disposedError('authRefresh'))
    const { signal, ...query } = options ?? {}
    const aborted = 'authRefresh: aborted by the caller'
    // Checked first, so that an already-aborted call starts no refresh.
    if (signal?.aborted === true) return Promise.reject(new AbortedError(aborted))
    const shared = this.#refreshing ?? this.#startRefresh(query)
    return signal === undefined ? shared : abandonOnAbort(shared, signal, aborted)
  }

  #startRefresh(query: { fields?: string; expand?: string }): Promise<AuthSession> {
    const session = this.#state.current
    if (session === null) return Promise.reject(new NotAuthenticatedError('authRefresh: there is no session'))
    const renew = this.#renew
    if (!session.refreshable && renew === undefined) {
      return Promise.reject(
        new TokenNotRefreshableError(
          'authRefresh: an impersonation token is not refreshable; impersonate again',
        ),
      )
    }
    const version = this.#state.version
    if (!session.refreshable) this.announceExpiring(session)
    const run = async (): Promise<AuthSession> => {
      try {
        const received =
          session.refreshable || renew === undefined
            ? await this.#refreshRequest(session, query)
            : await renew()
        if (this.#state.version !== version || this.#disposed) throw new AbortedError(DISCARDED)
        const next = this.#sessions.build(received)
        if (next.expiresAt <= this.#config.now()) throw this.#noProgress(version)
        this.#setback = undefined
        this.#state.apply(next, 'tokenRefreshed')
        return next
      } catch (error) {
        if (this.#state.version !== version || this.#disposed) {
          // A failure of a refresh that logout() or a newer sign-in superseded says nothing about the session.
          if (isAuthError(error) && error.code === 'aborted') throw error
          throw new AbortedError(DISCARDED, { cause: error })
        }
        if (isAuthError(error) && error.code === 'token_expired') {
          this.#fleet?.noteRejected(session.token)
          this.#state.end(this.#config.now() >= session.expiresAt ? 'expired' : 'revoked')
        } else if (isAuthError(error) && this.#setback?.error !== error) {
          this.#recordSetback(error, version, false)
        }
        throw error
      }
    }
    const promise: Promise<AuthSession> = Promise.resolve()
      .then(run)
      .finally(() => {
        if (this.#refreshing === promise) this.#refreshing = undefined
      })
    this.#refreshing = promise
    return promise
  }

  /** auth-refresh; with a fleet, adopts a newer session another process obtained, or refreshes for all. */
  #refreshRequest(session: AuthSession, query: { fields?: string; expand?: string }): Promise<ReceivedAuth> {
    const request = (): Promise<ReceivedAuth> =>
      refreshRequest(this.#config, session.collectionName, session.token, query)
    if (this.#fleet === undefined) return request()
    const skew = this.#config.refreshSkewSeconds
    return this.#fleet.obtain(
      (shared) =>
        shared.recordId === session.recordId &&
        shared.expiresAt > session.expiresAt &&
        !isRefreshDue(shared, this.#config.now(), skew),
      request,
    )
  }

  #noProgress(version: number): AuthError {
    const error = new UnexpectedResponseError(
      'authRefresh: the server returned a token that has already expired by the local clock (check the server clock and the Date header of any proxy)',
    )
    this.#recordSetback(error, version, true)
    return error
  }

  #recordSetback(error: AuthError, version: number, noProgress: boolean): void {
    const failures = (this.setback?.failures ?? 0) + 1
    const retryInMs = retryDelayAfter(error, failures, noProgress)
    this.#setback = {
      failures,
      until: this.#config.now() + retryInMs,
      retryInMs,
      version,
      error,
      waitOut: noProgress || !isUnreachable(error),
    }
  }

  /**
   * Emits `expiring` for a non-refreshable token, once per token: when the refresh timer reaches it, or when a
   * renewal of an impersonated child starts, whoever starts it.
   *
   * @param session - the session whose token is about to expire or be replaced
   */
  announceExpiring(session: AuthSession): void {
    if (this.#expiringAnnouncedFor === session.token) return
    this.#expiringAnnouncedFor = session.token
    this.#events.emit('expiring', { session, msLeft: session.expiresAt - this.#config.now() })
  }

  /**
   * Whether `expiring` was already emitted for this session's token.
   *
   * @param session - the current session
   * @returns `true` once `announceExpiring` ran for its token
   */
  hasAnnouncedExpiring(session: AuthSession): boolean {
    return this.#expiringAnnouncedFor === session.token
  }
}
