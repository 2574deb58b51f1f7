import { isAuthError, type AuthError } from '../errors/auth-error.js'
import { ConfigError } from '../errors/config-error.js'
import { AbortedError } from '../errors/transport.js'
import {
  NotAuthenticatedError,
  RefreshFailedError,
  TokenExpiredError,
  TokenNotRefreshableError,
} from '../errors/session-errors.js'
import { passwordSignIn } from '../flows/password.js'
import { refreshRequest } from '../flows/refresh.js'
import { isNonEmptyString } from '../narrow.js'
import { backoffDelayMs } from '../scheduler/backoff.js'
import { isRefreshDue } from '../scheduler/next-refresh-at.js'
import { buildSession } from '../session/build-session.js'
import { abandonOnAbort } from './abandon-on-abort.js'
import type { AuthSession, PasswordCredentials } from '../session/types.js'
import type { ClientCore } from './core.js'

/** Why a refresh that logout() or a newer sign-in superseded is rejected (`aborted`). */
const DISCARDED = 'authRefresh: discarded, the session changed while the refresh was running'

/**
 * Hands out tokens that are good for at least the refresh skew. Refreshes, renewals and unattended
 * re-sign-ins are single-flight: concurrent callers share one request.
 */
export class TokenKeeper {
  readonly #deps: ClientCore
  #refreshing: Promise<AuthSession> | undefined
  #reSigningIn: Promise<AuthSession> | undefined
  /** After a transient refresh failure, `getToken` waits until then before asking the server again. */
  #outage: { failures: number; until: number; version: number; error: AuthError } | undefined

  /** @param core - the client's shared parts */
  constructor(core: ClientCore) {
    this.#deps = core
  }

  /**
   * Whether a `credentials` callback exists.
   *
   * @returns `true` when the client was created with `credentials`
   */
  get canSignInUnattended(): boolean {
    return this.#deps.config.credentials !== undefined
  }

  /**
   * Whether this keeper can renew a non-refreshable token (impersonated child with `renew`).
   *
   * @returns `true` for a child client created by `impersonate()` with `renew: true`
   */
  get canRenew(): boolean {
    return this.#deps.renew !== undefined
  }

  /**
   * See `AuthClient.getToken`.
   *
   * @returns the session's token, refreshed or signed in first when due
   * @throws {AuthError} the codes listed on `AuthClient.getToken`.
   */
  async getToken(): Promise<string> {
    const { config, state } = this.#deps
    const session = state.current
    if (session === null) {
      if (this.canSignInUnattended) return (await this.signInWithCredentials()).token
      throw new NotAuthenticatedError('getToken: there is no session; sign in first or pass `credentials`')
    }
    const now = config.now()
    if (!isRefreshDue(session, now, config.refreshSkewSeconds)) return session.token
    const outage = this.#outage
    if (outage !== undefined && outage.version === state.version && now < outage.until) {
      // The last refresh failed transiently: do not turn every call into another request during an outage.
      if (now < session.expiresAt) return session.token
      throw new RefreshFailedError(
        `getToken: the token expired during a refresh outage (${outage.error.code}); next try in ${outage.until - now} ms`,
        { cause: outage.error },
      )
    }
    if (!session.refreshable && !this.canRenew) {
      if (config.now() < session.expiresAt) return session.token
      state.end('expired')
      throw new TokenExpiredError('getToken: the token expired and cannot be refreshed; sign in again')
    }
    try {
      return (await this.refresh()).token
    } catch (error) {
      return this.#recover(error)
    }
  }

  async #recover(error: unknown): Promise<string> {
    const { config, state } = this.#deps
    if (!isAuthError(error)) throw error
    if (error.code === 'aborted') {
      // The session changed while refreshing: a newer sign-in's token is fine; after logout() there is none,
      // and signing in again through credentials would undo the logout.
      if (state.current === null) {
        throw new NotAuthenticatedError('getToken: signed out while the token was being refreshed', {
          cause: error,
        })
      }
      return this.getToken()
    }
    if (error.code === 'token_expired') {
      if (this.canSignInUnattended) return (await this.signInWithCredentials()).token
      throw error
    }
    const failures = (this.#outage?.failures ?? 0) + 1
    this.#outage = {
      failures,
      until: config.now() + backoffDelayMs(failures - 1),
      version: state.version,
      error,
    }
    const current = state.current
    if (current !== null && config.now() < current.expiresAt) {
      config.logger.warn('refresh failed; using the still-valid token', {
        code: error.code,
        collection: current.collectionName,
        recordId: current.recordId,
      })
      return current.token
    }
    throw new RefreshFailedError(`getToken: the token expired and could not be refreshed (${error.code})`, {
      cause: error,
    })
  }

  /**
   * Refreshes (or, for an impersonated child, renews) the current token; single-flight. A result that arrives
   * after the session changed is discarded (`AbortedError`). A 401 ends the session and throws
   * `TokenExpiredError`. A caller's `signal` only cancels that caller's wait, never the shared request (the
   * refresh timer may be waiting on it too).
   *
   * @param options - `signal` stops this caller's wait; `fields` and `expand` shape the response
   * @returns the refreshed (or renewed) session
   * @throws {AuthError} `aborted`, `token_expired`, `not_authenticated` (no session), `token_not_refreshable`
   * (impersonation token without `renew`), and any code of the request.
   */
  refresh(options?: { signal?: AbortSignal; fields?: string; expand?: string }): Promise<AuthSession> {
    const { signal, ...query } = options ?? {}
    const aborted = 'authRefresh: aborted by the caller'
    // Checked first, so that an already-aborted call starts no refresh.
    if (signal?.aborted === true) return Promise.reject(new AbortedError(aborted))
    const shared = this.#refreshing ?? this.#startRefresh(query)
    return signal === undefined ? shared : abandonOnAbort(shared, signal, aborted)
  }

  #startRefresh(query: { fields?: string; expand?: string }): Promise<AuthSession> {
    const { config, state } = this.#deps
    const session = state.current
    if (session === null) return Promise.reject(new NotAuthenticatedError('authRefresh: there is no session'))
    const renew = this.#deps.renew
    if (!session.refreshable && renew === undefined) {
      return Promise.reject(
        new TokenNotRefreshableError(
          'authRefresh: an impersonation token is not refreshable; impersonate again',
        ),
      )
    }
    const version = state.version
    if (!session.refreshable) this.#deps.scheduler.announceExpiring(session)
    const run = async (): Promise<AuthSession> => {
      try {
        const received =
          session.refreshable || renew === undefined
            ? await refreshRequest(config, session.collectionName, session.token, query)
            : await renew()
        if (state.version !== version) {
          throw new AbortedError(DISCARDED)
        }
        const next = buildSession(received)
        this.#outage = undefined
        state.apply(next, 'tokenRefreshed')
        return next
      } catch (error) {
        if (state.version !== version) {
          // A failure of a refresh that logout() or a newer sign-in superseded says nothing about the session.
          if (isAuthError(error) && error.code === 'aborted') throw error
          throw new AbortedError(DISCARDED, { cause: error })
        }
        if (isAuthError(error) && error.code === 'token_expired') {
          state.end(config.now() >= session.expiresAt ? 'expired' : 'revoked')
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

  /**
   * Signs in through the `credentials` callback; single-flight. A callback that throws (or rejects) with
   * something other than an `AuthError` fails this attempt with `not_authenticated` (the error as `cause`); the
   * next call asks the callback again.
   *
   * @returns the new session
   * @throws {NotAuthenticatedError} `not_authenticated` without `credentials`, or when the callback throws
   * something other than an `AuthError`.
   * @throws {ConfigError} `config_invalid` when the callback gives no non-empty `identity` and `password`.
   * @throws {AuthError} any code of the password sign-in, or an `AuthError` the callback threw.
   */
  signInWithCredentials(): Promise<AuthSession> {
    if (this.#reSigningIn !== undefined) return this.#reSigningIn
    const credentials = this.#deps.config.credentials
    if (credentials === undefined) {
      return Promise.reject(
        new NotAuthenticatedError('there is no session and no `credentials` to sign in with'),
      )
    }
    const run = async (): Promise<AuthSession> => {
      let given: unknown
      try {
        given = await credentials()
      } catch (error) {
        if (isAuthError(error)) throw error
        throw new NotAuthenticatedError('the `credentials` callback failed; see `cause`', { cause: error })
      }
      const { identity, password } = (given ?? {}) as Partial<PasswordCredentials>
      if (!isNonEmptyString(identity) || !isNonEmptyString(password)) {
        throw new ConfigError(
          [{ path: 'credentials', message: 'must resolve to { identity, password } with non-empty strings' }],
          'Invalid credentials callback',
        )
      }
      this.#deps.config.logger.info('signing in with credentials', {
        collection: this.#deps.config.collection,
      })
      return this.#deps.signIn.run('password', () =>
        passwordSignIn(this.#deps.config, this.#deps.config.collection, identity, password),
      )
    }
    const promise: Promise<AuthSession> = Promise.resolve()
      .then(run)
      .finally(() => {
        if (this.#reSigningIn === promise) this.#reSigningIn = undefined
      })
    this.#reSigningIn = promise
    return promise
  }

  /**
   * Ends the session when the server rejected `token` on an endpoint that needs auth, so the client no longer
   * offers a token the server refuses.
   *
   * @param error - what the request threw; only `token_expired` counts
   * @param token - the token the request sent; nothing happens when the session holds another one by now
   */
  endIfRejected(error: unknown, token: string): void {
    const { config, state } = this.#deps
    const session = state.current
    if (!isAuthError(error) || error.code !== 'token_expired' || session?.token !== token) return
    state.end(config.now() >= session.expiresAt ? 'expired' : 'revoked')
  }
}
