import {
  childOptions,
  DEFAULTS,
  resolveConfig,
  type AuthClientOptions,
  type ResolvedConfig,
} from './config.js'
import { isAuthError } from './errors/auth-error.js'
import { NotAuthenticatedError } from './errors/session-errors.js'
import type { AuthEventListener, AuthEventName } from './events.js'
import * as account from './flows/account.js'
import { fetchAuthMethods, type AuthMethods } from './flows/auth-methods.js'
import { checkImpersonateInput, impersonateRequest, type ImpersonateOptions } from './flows/impersonate.js'
import type { AuthCallOptions } from './flows/input.js'
import {
  completeOAuth2,
  oauth2CodeSignIn,
  parseOAuth2Callback,
  startOAuth2,
  type CompleteOAuth2Options,
  type OAuth2Callback,
  type OAuth2SignInOptions,
  type StartOAuth2Options,
  type StartOAuth2Result,
} from './flows/oauth2.js'
import type { OAuth2AuthSession } from './flows/oauth2-meta.js'
import { OAuth2StateStore } from './flows/oauth2-states.js'
import { otpSignIn, requestOTP, type RequestOTPResult } from './flows/otp.js'
import { passwordSignIn } from './flows/password.js'
import { disposedError } from './lifecycle/disposed.js'
import { SessionLifecycle, type ChildStart } from './lifecycle/session-lifecycle.js'
import type { TokenOrigin } from './lifecycle/token-keeper.js'
import type { ReceivedAuth } from './session/build-session.js'
import { createMemoryTokenStore } from './session/token-store.js'
import type { AuthSession } from './session/types.js'

/** Reads a client's lifecycle; assigned in `AuthClient`'s static block (it needs `#life`). */
let readLifecycle: (auth: unknown) => SessionLifecycle | undefined

/**
 * @internal The lifecycle of an `AuthClient` (its config and token keeper), for the db-interface.
 *
 * @param auth - a value that may be an `AuthClient`
 * @returns the lifecycle, or `undefined` when `auth` is not an `AuthClient`
 */
export function lifecycleOf(auth: unknown): SessionLifecycle | undefined {
  return readLifecycle(auth)
}

/** Collection name of PocketBase superusers. */
const SUPERUSERS = '_superusers'

/**
 * A PocketBase auth client: every auth flow, a memory-only session, proactive refresh and typed events.
 * Create it with `createAuthClient()`.
 */
export class AuthClient {
  readonly #life: SessionLifecycle
  readonly #config: ResolvedConfig
  /** Created by the first `startOAuth2()`: most clients never use OAuth2. */
  #oauth2States: OAuth2StateStore | undefined

  static {
    readLifecycle = (auth) =>
      typeof auth === 'object' && auth !== null && #life in auth ? auth.#life : undefined
  }

  /** @internal Use `createAuthClient()`. */
  constructor(options: AuthClientOptions, child?: ChildStart) {
    const config = resolveConfig(options)
    this.#config = config
    this.#life = new SessionLifecycle(config, config.store ?? createMemoryTokenStore(), child)
  }

  /**
   * The auth collection this client signs in to.
   *
   * @returns `options.collection`, or `users` by default
   */
  get collection(): string {
    return this.#config.collection
  }

  /**
   * The current session, or `null`. A new frozen object on every change.
   *
   * @returns the store's current session, or `null` when signed out
   */
  get session(): AuthSession | null {
    return this.#life.state.current
  }

  /**
   * Whether a session exists and its token has not expired.
   *
   * @returns `true` while the clock (`now`) is before the session's `expiresAt`; checked locally, no request
   */
  get isAuthenticated(): boolean {
    const session = this.#life.state.current
    return session !== null && this.#config.now() < session.expiresAt
  }

  /**
   * Whether the session belongs to a superuser (`_superusers`).
   *
   * @returns `true` when the session's `collectionName` is `_superusers`; `false` when signed out
   */
  get isSuperuser(): boolean {
    return this.#life.state.current?.collectionName === SUPERUSERS
  }

  /**
   * Signs in with an identity (email or another identity field) and password. Emits `signedIn`.
   *
   * @param identity - email, or another identity field of the collection
   * @param password - the record's password; sent with this request only, never kept
   * @param options - see {@link AuthCallOptions}
   * @returns the new session
   * @throws {AuthError} `invalid_credentials`, `mfa_required` (finish with another flow and `{ mfaId }`),
   * `forbidden` (password auth disabled, authRule), `validation_failed`, `rate_limited`, `config_invalid`
   * (blank input, before any request), and the transport codes `network`, `timeout`, `aborted`.
   * @example
   * ```ts
   * const session = await auth.authWithPassword('alice@example.com', password)
   * ```
   */
  async authWithPassword(
    identity: string,
    password: string,
    options?: AuthCallOptions,
  ): Promise<AuthSession> {
    this.#assertOpen('authWithPassword')
    return this.#life.signIns.run('password', () =>
      passwordSignIn(this.#config, this.#config.collection, identity, password, options),
    )
  }

  /**
   * Mails a one-time password. Resolves the same way for unknown emails (no existence leak).
   *
   * @param email - the address to mail the code to
   * @param options - `signal` cancels the request
   * @returns the `otpId` to pass to `authWithOTP()`
   * @throws {AuthError} `forbidden` (OTP not enabled on the collection), `validation_failed`, `config_invalid`
   * (not an email address), `unexpected_response` (no `otpId` in the answer), transport codes.
   */
  async requestOTP(email: string, options?: { signal?: AbortSignal }): Promise<RequestOTPResult> {
    this.#assertOpen('requestOTP')
    return requestOTP(this.#config, this.#config.collection, email, options?.signal)
  }

  /**
   * Signs in with the `otpId` from `requestOTP` and the code from the mail. Emits `signedIn`.
   *
   * @param otpId - the `otpId` from `requestOTP()`
   * @param code - the one-time password from the mail
   * @param options - see {@link AuthCallOptions}
   * @returns the new session
   * @throws {AuthError} `otp_invalid` (wrong, expired, reused code or unknown otpId), `rate_limited` (5 attempts
   * per 3 minutes per record), `mfa_required`, `invalid_credentials` (MFA reasons), `forbidden`, `config_invalid`
   * (empty `otpId` or code; before any request), transport codes.
   */
  async authWithOTP(otpId: string, code: string, options?: AuthCallOptions): Promise<AuthSession> {
    this.#assertOpen('authWithOTP')
    return this.#life.signIns.run('otp', () =>
      otpSignIn(this.#config, this.#config.collection, otpId, code, options),
    )
  }

  /**
   * The collection's auth methods, typed, without PocketBase's legacy fields.
   *
   * @param options - `signal` cancels the request
   * @returns password, OAuth2 (each provider with a fresh PKCE pair), MFA and OTP settings
   * @throws {AuthError} `not_found` (unknown collection), `unexpected_response`, transport codes.
   */
  async listAuthMethods(options?: { signal?: AbortSignal }): Promise<AuthMethods> {
    this.#assertOpen('listAuthMethods')
    const methods = await fetchAuthMethods(this.#config, this.#config.collection, options?.signal)
    this.#life.signIns.rememberMfaDuration(methods.mfa.enabled ? methods.mfa.durationSeconds : undefined)
    return methods
  }

  /**
   * Starts an OAuth2 code + PKCE sign-in; the verifier stays in memory for 10 minutes, keyed by `state`.
   *
   * @param provider - the provider's key as `listAuthMethods()` lists it, e.g. `google`
   * @param options - see {@link StartOAuth2Options}
   * @returns the provider URL to send the user to, and the attempt's `state`
   * @throws {AuthError} `oauth2_failed` (provider not enabled), `config_invalid` (empty provider, bad redirect URL),
   * `not_found` (unknown collection), `unexpected_response`, transport codes.
   */
  async startOAuth2(provider: string, options: StartOAuth2Options): Promise<StartOAuth2Result> {
    this.#assertOpen('startOAuth2')
    return startOAuth2(
      this.#config,
      this.#config.collection,
      (this.#oauth2States ??= new OAuth2StateStore(this.#config.now)),
      provider,
      options,
      DEFAULTS.oauth2StateTtlMs,
    )
  }

  /**
   * Finishes an OAuth2 sign-in from the callback URL or its `{ state, code }`. Emits `signedIn`.
   * Resolves with the session plus the provider's `meta` (returned here only, never stored).
   *
   * @param callback - the callback URL (parameters read from its query, else its fragment), or its parameters
   * @param options - see {@link CompleteOAuth2Options}; pass `expectedState` from the browser's cookie
   * @returns the new session plus the provider's `meta`
   * @throws {AuthError} `oauth2_state_invalid` (unreadable callback URL; a state other than `expectedState`;
   * unknown, expired or reused state),
   * `config_invalid` (bad sign-in options; before any request), `oauth2_failed` (the provider
   * refused, e.g. `providerError: 'access_denied'`, or the exchange failed), `validation_failed`, `mfa_required`,
   * `forbidden`, transport codes.
   */
  async completeOAuth2(
    callback: string | URL | OAuth2Callback,
    options?: CompleteOAuth2Options,
  ): Promise<OAuth2AuthSession> {
    this.#assertOpen('completeOAuth2')
    // Parsed inside the sign-in, so a bad callback URL rejects the promise instead of throwing synchronously,
    // and before the sign-in starts, so it does not supersede one in flight.
    return this.#life.signIns.runOAuth2(() =>
      completeOAuth2(
        this.#config,
        this.#config.collection,
        (this.#oauth2States ??= new OAuth2StateStore(this.#config.now)),
        typeof callback === 'string' || callback instanceof URL ? parseOAuth2Callback(callback) : callback,
        this.#withLink(options),
      ),
    )
  }

  /**
   * Low level: exchanges an OAuth2 code you obtained yourself (with its PKCE verifier and redirect URL).
   * Emits `signedIn`. Sends the current token only with `{ link: true }`.
   *
   * @param provider - the provider's key, e.g. `google`
   * @param code - the authorization code from the provider's callback
   * @param codeVerifier - the PKCE verifier of the attempt that produced `code`
   * @param redirectUrl - the redirect URL that attempt sent to the provider
   * @param createData - fields for the record PocketBase creates for a new user
   * @param options - see {@link OAuth2SignInOptions}
   * @returns the new session plus the provider's `meta`
   * @throws {AuthError} `oauth2_failed` (code rejected or reused), `validation_failed` (unknown provider,
   * `createData` rejected), `mfa_required`, `forbidden` (OAuth2 disabled), `config_invalid`, transport codes.
   */
  async authWithOAuth2Code(
    provider: string,
    code: string,
    codeVerifier: string,
    redirectUrl: string,
    createData?: Record<string, unknown>,
    options?: OAuth2SignInOptions,
  ): Promise<OAuth2AuthSession> {
    this.#assertOpen('authWithOAuth2Code')
    return this.#life.signIns.runOAuth2(() =>
      oauth2CodeSignIn(this.#config, this.#config.collection, {
        provider,
        code,
        codeVerifier,
        redirectUrl,
        createData,
        options: this.#withLink(options),
      }),
    )
  }

  /**
   * Refreshes the token now (single-flight). Emits `tokenRefreshed`.
   *
   * @param options - `fields` and `expand` as in sign-ins; `signal` only stops this caller's wait
   * @returns the refreshed session (for an impersonated child with `renew`, the renewed one)
   * @throws {AuthError} `not_authenticated`, `token_not_refreshable` (impersonation token, no request sent),
   * `token_expired` (the server rejected the token; the session ends), `aborted` (the session changed
   * meanwhile), `forbidden`, transport codes.
   */
  authRefresh(options?: Omit<AuthCallOptions, 'mfaId'>): Promise<AuthSession> {
    return this.#life.refresher.refresh(options)
  }

  /**
   * A token good for at least the refresh skew, refreshing or signing in (with `credentials`) first if needed.
   * Concurrent callers share one request. During an outage a still-valid token is returned without asking the
   * server again until the backoff delay has passed.
   *
   * @returns the raw token, usable as the `Authorization` header as it is
   * @throws {AuthError} `not_authenticated` (no session, no credentials), `token_expired` (expired or rejected),
   * `refresh_failed` (expired, and the last refresh failed for any other reason and is backing off; `cause` has
   * that failure), and any sign-in code when
   * signing in through `credentials`.
   * @example
   * ```ts
   * const response = await fetch(`${url}/api/collections/posts/records`, {
   *   headers: { Authorization: await auth.getToken() },
   * })
   * ```
   */
  getToken(): Promise<string> {
    return this.#life.keeper.getToken('caller')
  }

  /**
   * As a superuser, returns a child client signed in as `recordId` with a non-refreshable token.
   *
   * @param recordId - id of the record to impersonate
   * @param options - see {@link ImpersonateOptions}
   * @returns a child client on `options.collection` (default `users`), without this client's `credentials`
   * @throws {AuthError} `config_invalid` (empty id or `collection`, negative or fractional `durationSeconds`,
   * non-boolean `renew`; before any request),
   * `forbidden` (not a superuser), `not_found` (unknown record), `token_expired`, transport codes.
   */
  async impersonate(recordId: string, options?: ImpersonateOptions): Promise<AuthClient> {
    this.#assertOpen('impersonate')
    checkImpersonateInput(recordId, options)
    const life = this.#life
    const collection = options?.collection ?? DEFAULTS.collection
    const { signal, renew, ...rest } = options ?? {}
    // The parent's token goes through the keeper's one path for tokens: a rejected one is refreshed (or signed
    // in again through credentials) and the request sent once more.
    const request = (origin: TokenOrigin, signalToUse?: AbortSignal): Promise<ReceivedAuth> =>
      life.keeper.withToken(
        (token) =>
          impersonateRequest(life.config, token, recordId, collection, {
            ...rest,
            signal: signalToUse,
          }),
        origin,
      )
    const received = await request('caller', signal)
    // dispose() or logout() may have come while the request ran: hand out no child that would outlive them.
    this.#assertOpen('impersonate')
    if (life.keeper.isLoggedOut) {
      throw new NotAuthenticatedError('impersonate: this client signed out (logout()) while impersonating')
    }
    const child = new AuthClient(childOptions(this.#config, collection), {
      session: life.sessions.build(received),
      renew: renew === true ? () => request('background').catch(parentRejected) : undefined,
    })
    life.adopt(child.#life)
    return child
  }

  /**
   * Ends the session locally: clears memory, stops timers, emits `signedOut`. PocketBase has no server logout:
   * a copied token stays valid until it expires. A sign-in or refresh still in flight is discarded.
   *
   * @example
   * ```ts
   * auth.logout()
   * ```
   */
  logout(): void {
    this.#assertOpen('logout')
    this.#oauth2States?.clear()
    this.#life.logout()
  }

  /**
   * Mails a verification link to `email`; resolves the same way for unknown or already verified emails.
   *
   * @param email - the address to verify
   * @param options - `signal` cancels the request
   * @throws {AuthError} `validation_failed`, `config_invalid` (not an email address), transport codes.
   */
  async requestVerification(email: string, options?: account.AccountCallOptions): Promise<void> {
    this.#assertOpen('requestVerification')
    return account.requestVerification(this.#config, this.#config.collection, email, options)
  }

  /**
   * Confirms an email address with the token from the verification mail.
   *
   * @param token - the token from the verification mail
   * @param options - `signal` cancels the request
   * @throws {AuthError} `validation_failed` (`fieldErrors.token`: invalid or expired), transport codes.
   */
  async confirmVerification(token: string, options?: account.AccountCallOptions): Promise<void> {
    this.#assertOpen('confirmVerification')
    return account.confirmVerification(this.#config, this.#config.collection, token, options)
  }

  /**
   * Mails a password-reset link to `email`; resolves the same way for unknown emails.
   *
   * @param email - the record's email address
   * @param options - `signal` cancels the request
   * @throws {AuthError} `validation_failed`, `config_invalid` (not an email address), transport codes.
   */
  async requestPasswordReset(email: string, options?: account.AccountCallOptions): Promise<void> {
    this.#assertOpen('requestPasswordReset')
    return account.requestPasswordReset(this.#config, this.#config.collection, email, options)
  }

  /**
   * Sets a new password with the token from the reset mail. Existing sessions of that record stop working: a
   * client holding one ends it (`signedOut`, reason `revoked`) the next time the server rejects it.
   *
   * @param token - the token from the reset mail
   * @param password - the new password
   * @param passwordConfirm - the new password again
   * @param options - `signal` cancels the request
   * @throws {AuthError} `validation_failed` (`token`, `password`, `passwordConfirm`), transport codes.
   */
  async confirmPasswordReset(
    token: string,
    password: string,
    passwordConfirm: string,
    options?: account.AccountCallOptions,
  ): Promise<void> {
    this.#assertOpen('confirmPasswordReset')
    return account.confirmPasswordReset(
      this.#config,
      this.#config.collection,
      { token, password, passwordConfirm },
      options,
    )
  }

  /**
   * Mails a confirmation link to `newEmail` for the signed-in record.
   *
   * @param newEmail - the address to change to; the confirmation link is mailed there
   * @param options - `signal` cancels the request
   * @throws {AuthError} `not_authenticated` (no session), `validation_failed` (`fieldErrors.newEmail`: taken or
   * invalid), `token_expired`, `config_invalid`, transport codes.
   */
  async requestEmailChange(newEmail: string, options?: account.AccountCallOptions): Promise<void> {
    this.#assertOpen('requestEmailChange')
    account.checkEmailChangeInput(newEmail)
    await this.#life.keeper.withToken((token) => {
      // The session may have been created (credentials) or replaced while the token was obtained.
      const collection = this.#life.state.current?.collectionName ?? this.#config.collection
      return account.requestEmailChange(this.#config, collection, newEmail, token, options)
    })
  }

  /**
   * Changes the email with the token from the confirmation mail and the current password. Existing sessions of
   * that record stop working.
   *
   * @param token - the token from the confirmation mail
   * @param password - the record's current password
   * @param options - `signal` cancels the request
   * @throws {AuthError} `validation_failed` (`token`, `password`), transport codes.
   */
  async confirmEmailChange(
    token: string,
    password: string,
    options?: account.AccountCallOptions,
  ): Promise<void> {
    this.#assertOpen('confirmEmailChange')
    return account.confirmEmailChange(this.#config, this.#config.collection, { token, password }, options)
  }

  /**
   * Subscribes to an event; returns the unsubscribe function. Listeners are called synchronously and never
   * awaited; a throwing listener never breaks the client (it becomes an `error` event).
   *
   * @param event - the event's name, see `AuthEvents`
   * @param listener - called with the event's payload
   * @returns a function that unsubscribes this listener (idempotent)
   * @example
   * ```ts
   * const off = auth.on('signedOut', ({ reason }) => console.log('signed out:', reason))
   * off()
   * ```
   */
  on<K extends AuthEventName>(event: K, listener: AuthEventListener<K>): () => void {
    this.#assertOpen('on')
    return this.#life.events.on(event, listener)
  }

  /**
   * Stops the refresh timer for good and removes the listeners registered so far. Idempotent; the session stays
   * readable, and calls still work (refreshing on demand), but nothing runs in the background any more.
   *
   * @example
   * ```ts
   * auth.dispose()
   * ```
   */
  dispose(): void {
    this.#oauth2States?.clear()
    this.#life.dispose()
  }

  /** `await using auth = createAuthClient(...)` disposes at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose()
  }

  #assertOpen(method: string): void {
    if (this.#life.disposed) throw disposedError(method)
  }

  #withLink(options: OAuth2SignInOptions | undefined): OAuth2SignInOptions & { token: string | undefined } {
    return { ...options, token: options?.link === true ? this.#life.state.current?.token : undefined }
  }
}

/**
 * Creates an `AuthClient`. Options are validated once, here.
 *
 * @param options - see {@link AuthClientOptions}; only `url` is required
 * @returns a new client, signed out unless `options.store` already holds a session
 * @throws {ConfigError} `config_invalid`, naming every bad option.
 * @example
 * ```ts
 * const auth = createAuthClient({ url: 'http://127.0.0.1:8090' })
 * await auth.authWithPassword('alice@example.com', 'correct horse battery staple')
 * ```
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  return new AuthClient(options)
}

/**
 * For a child's renewal: the parent's token being rejected says nothing about the child's own token, so it must
 * not end the child's session as revoked; the child keeps its token until it expires.
 */
function parentRejected(error: unknown): never {
  if (isAuthError(error) && error.code === 'token_expired') {
    throw new NotAuthenticatedError('impersonate: the parent session ended; cannot renew', { cause: error })
  }
  throw error
}
