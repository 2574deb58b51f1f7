import type { ResolvedConfig } from '../config.js'
import { isAuthError } from '../errors/auth-error.js'
import { NotAuthenticatedError, RefreshFailedError, TokenExpiredError } from '../errors/session-errors.js'
import { isRefreshDue } from '../scheduler/next-refresh-at.js'
import type { SessionState } from '../session/session-state.js'
import type { AuthSession } from '../session/types.js'
import { disposedError } from './disposed.js'
import type { TokenRefresher } from './token-refresher.js'
import type { UnattendedSignIn } from './unattended-sign-in.js'

/**
 * Who asks for a token: a caller of the client (`getToken()`, a db call), or something the client does by itself
 * (the refresh timer, a child's renewal, a db call's retry after a 401). After `logout()`, only a caller may sign
 * in again through `credentials`.
 */
export type TokenOrigin = 'caller' | 'background'

/**
 * Hands out tokens that are good for at least the refresh skew, and is the one place that decides what a token
 * failure means: it refreshes through the {@link TokenRefresher} (single-flight, with its setback and backoff),
 * signs in again through `credentials` when a token is rejected, and handles a token the server rejected on any
 * request in {@link TokenKeeper.recoverRejected}, for the client and the db-interface alike.
 */
export class TokenKeeper {
  readonly #config: ResolvedConfig
  readonly #state: SessionState
  readonly #refresher: TokenRefresher
  readonly #unattended: UnattendedSignIn
  readonly #isChild: boolean
  #loggedOut = false
  #disposed = false

  /**
   * @param config - the client's resolved config (clock, skew, credentials)
   * @param state - the session store
   * @param refresher - refreshes and renews, and keeps the setback
   * @param unattended - signs in through `credentials`
   * @param isChild - whether this is an impersonated child client (for messages)
   */
  constructor(
    config: ResolvedConfig,
    state: SessionState,
    refresher: TokenRefresher,
    unattended: UnattendedSignIn,
    isChild: boolean,
  ) {
    this.#config = config
    this.#state = state
    this.#refresher = refresher
    this.#unattended = unattended
    this.#isChild = isChild
  }

  /**
   * Whether the client may sign in through `credentials` by itself now.
   *
   * @param origin - who asks
   * @returns `true` with `credentials`, unless `origin` is `background` and `logout()` came after the last sign-in
   */
  maySignInUnattended(origin: TokenOrigin): boolean {
    return this.#config.credentials !== undefined && (origin === 'caller' || !this.#loggedOut)
  }

  /**
   * See `AuthClient.getToken`. A token that is due but still valid is returned while the last refresh's backoff
   * runs; an expired one is refreshed at once when the last failure was an unreachable server (it may be back).
   *
   * @param origin - who asks; decides whether a session ended by `logout()` may be signed in again
   * @returns the session's token, refreshed, renewed or signed in first when due
   * @throws {AuthError} the codes listed on `AuthClient.getToken`.
   */
  async getToken(origin: TokenOrigin = 'caller'): Promise<string> {
    this.#assertOpen('getToken')
    const session = this.#state.current
    if (session === null) {
      if (!this.maySignInUnattended(origin)) throw new NotAuthenticatedError(this.#noSession())
      return (await this.signInWithCredentials()).token
    }
    const now = this.#config.now()
    if (!isRefreshDue(session, now, this.#config.refreshSkewSeconds)) return session.token
    if (!session.refreshable && !this.#refresher.canRenew) {
      if (now < session.expiresAt) return session.token
      this.#state.end('expired')
      throw new TokenExpiredError(`getToken: the token expired and cannot be refreshed; ${this.#startOver()}`)
    }
    const setback = this.#refresher.setback
    if (setback !== undefined && now < setback.until) {
      if (now < session.expiresAt) return session.token
      if (setback.waitOut) {
        throw new RefreshFailedError(
          `getToken: the token expired and its last refresh failed (${setback.error.code}); next try in ${setback.until - now} ms`,
          { cause: setback.error },
        )
      }
    }
    try {
      return (await this.#refresher.refresh()).token
    } catch (error) {
      return this.#recover(error, origin)
    }
  }

  /**
   * The one path for a token the server rejected (401) on a request that needs auth, used by the client and the
   * db-interface alike: a refreshable token is refreshed, an impersonated child with `renew` renews, anything else
   * ends the session (`revoked`, or `expired` past its expiry); `credentials` then sign in again unless
   * `logout()` came first.
   *
   * @param token - the token the rejected request sent
   * @param origin - who asks (a retry is `background`)
   * @returns a token to retry with: the current one when another caller already replaced `token`
   * @throws {AuthError} `token_expired` when the session ended and cannot be renewed, `not_authenticated`,
   * and any code of the refresh or sign-in.
   */
  async recoverRejected(token: string, origin: TokenOrigin = 'background'): Promise<string> {
    this.#assertOpen('getToken')
    const session = this.#state.current
    if (session === null || session.token !== token) return this.getToken(origin)
    if (session.refreshable || this.#refresher.canRenew) {
      try {
        return (await this.#refresher.refresh()).token
      } catch (error) {
        if (isAuthError(error) && (error.code === 'aborted' || error.code === 'token_expired')) {
          return this.#recover(error, origin)
        }
        throw error
      }
    }
    this.#state.end(this.#config.now() >= session.expiresAt ? 'expired' : 'revoked')
    if (this.maySignInUnattended(origin)) return (await this.signInWithCredentials()).token
    throw new TokenExpiredError(`the server rejected the token; ${this.#startOver()}`)
  }

  /**
   * Runs `call` with a token; when the server rejects that token, recovers once through
   * {@link TokenKeeper.recoverRejected} and runs `call` again with the new token.
   *
   * @param call - sends the request with the token it is given
   * @param origin - who asks for the first token
   * @param wait - how the caller waits for each token, e.g. giving up when its signal aborts (a shared refresh
   * goes on for everyone else); @default waits until the token is there
   * @returns what `call` resolves
   * @throws {AuthError} what `getToken`, `recoverRejected`, `wait` or the second `call` throw.
   */
  async withToken<T>(
    call: (token: string) => Promise<T>,
    origin: TokenOrigin = 'caller',
    wait: (pending: Promise<string>) => Promise<string> = (pending) => pending,
  ): Promise<T> {
    const token = await wait(this.getToken(origin))
    try {
      return await call(token)
    } catch (error) {
      if (!isAuthError(error) || error.code !== 'token_expired') throw error
      return call(await wait(this.recoverRejected(token)))
    }
  }

  async #recover(error: unknown, origin: TokenOrigin): Promise<string> {
    if (!isAuthError(error)) throw error
    if (error.code === 'aborted') {
      this.#assertOpen('getToken')
      // The session changed while refreshing: a newer sign-in's token is fine; after logout() there is none, and
      // signing in again through credentials would undo the logout.
      if (this.#state.current === null) {
        throw new NotAuthenticatedError('getToken: signed out while the token was being refreshed', {
          cause: error,
        })
      }
      return this.getToken(origin)
    }
    if (error.code === 'token_expired') {
      if (this.maySignInUnattended(origin)) return (await this.signInWithCredentials()).token
      throw error
    }
    const current = this.#state.current
    if (current !== null && this.#config.now() < current.expiresAt) {
      this.#config.logger.warn('refresh failed; using the still-valid token', {
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
   * Signs in through the `credentials` callback, or joins the sign-in in flight (see `UnattendedSignIn`).
   *
   * @returns the new session
   * @throws {NotAuthenticatedError} `not_authenticated` without `credentials` or after `dispose()`.
   * @throws {AuthError} the codes of `UnattendedSignIn.run`.
   */
  signInWithCredentials(): Promise<AuthSession> {
    if (this.#disposed) return Promise.reject(disposedError('getToken'))
    return this.#unattended.run(this.#noSession())
  }

  /** Why `getToken` has no session to give and cannot sign in by itself. */
  #noSession(): string {
    if (this.#isChild) {
      return 'getToken: this impersonated client has no session (it expired, or its parent signed out); impersonate again through the parent'
    }
    if (this.#loggedOut && this.#config.credentials !== undefined) {
      return 'getToken: signed out by logout(); only an explicit sign-in or getToken() signs in again'
    }
    return 'getToken: there is no session; sign in first, or create the client with `credentials`'
  }

  #startOver(): string {
    return this.#isChild ? 'impersonate again through the parent' : 'sign in again'
  }

  /**
   * Whether `logout()` came after the last sign-in.
   *
   * @returns `true` until the next sign-in
   */
  get isLoggedOut(): boolean {
    return this.#loggedOut
  }

  /** Records `logout()`: background paths no longer sign in through `credentials` until the next sign-in. */
  markLoggedOut(): void {
    this.#loggedOut = true
    this.#refresher.clearSetback()
  }

  /** Records a sign-in: background paths may sign in through `credentials` again. */
  noteSignedIn(): void {
    this.#loggedOut = false
  }

  /** Refuses every later call (`dispose()`); a refresh in flight is discarded. Idempotent. */
  dispose(): void {
    this.#disposed = true
    this.#refresher.dispose()
  }

  #assertOpen(method: string): void {
    if (this.#disposed) throw disposedError(method)
  }
}
