/**
 * `RequestAuthClient`: an `AuthClient` for one server request, whose session lives in the request's cookies. It
 * extends the core client (every flow, typed errors, events) and changes only what a web server needs: OAuth2
 * keeps its state and PKCE verifier in a sealed cookie bound to the browser instead of in process memory, MFA and
 * OTP keep their ids in sealed cookies between requests, and `getSession()` refreshes a token that is due.
 * @module
 */
import {
  AbortedError,
  AuthClient,
  ConfigError,
  InvalidCredentialsError,
  isAuthError,
  MfaRequiredError,
  OAuth2FailedError,
  OAuth2StateInvalidError,
  type AuthCallOptions,
  type AuthClientOptions,
  type AuthSession,
  type CompleteOAuth2Options,
  type FirstFactor,
  type Logger,
  type OAuth2AuthSession,
  type OAuth2Callback,
  type OAuth2SignInOptions,
  type RequestOTPResult,
  type StartOAuth2Options,
  type StartOAuth2Result,
} from '../index.js'
import { InputCheck, parseOAuth2Callback, raceAbort, refreshRequest, runSignIn } from '../kit.js'
import type { CookieJar } from './cookie-jar.js'
import type { CookieSessionStore } from './session-store.js'
import type { PendingMfa, PendingOTP, SignInCookies } from './sign-in-cookies.js'

/** What a request client is built from (made by `createRequestAuth`). */
export interface RequestAuthParts {
  readonly jar: CookieJar
  readonly store: CookieSessionStore
  readonly signIns: SignInCookies
  readonly refreshAfterShare: number
  readonly now: () => number
  readonly logger: Logger
}

/** A sign-in that spans requests, as this browser's sealed cookies remember it. */
export interface PendingSignIn {
  /** A first factor succeeded on an MFA collection; the second one is due. */
  readonly mfa: PendingMfa | null
  /** A code was mailed by `requestOTP`; `authWithOTP(otp.otpId, code)` checks it. */
  readonly otp: PendingOTP | null
}

/** Answers that mean a kept `mfaId` can no longer be used. */
const DEAD_MFA = new Set(['mfa_session_invalid', 'mfa_session_mismatch'])

/** Answers to an official-SDK cookie's token that mean it is no session (as opposed to an outage). */
const NOT_A_SESSION = new Set([
  'token_expired',
  'forbidden',
  'not_found',
  'unexpected_response',
  'validation_failed',
])

/**
 * An `AuthClient` for one request, from `createRequestAuth()`. No timers: nothing runs after the request.
 */
export class RequestAuthClient extends AuthClient {
  readonly #parts: RequestAuthParts
  /** The confirmation of an official-SDK cookie under way: concurrent `getSession()` calls share it. */
  #adopting: Promise<AuthSession | null> | undefined

  /**
   * @internal Use `createRequestAuth()`.
   * @param options - the core client's options, with the cookie store and `fetch` in place
   * @param parts - the request's cookies and settings
   */
  constructor(options: AuthClientOptions, parts: RequestAuthParts) {
    super(options)
    this.#parts = parts
    // A finished sign-in ends the pending ones; `logout()` ends them itself. A session the server ended (a
    // revoked cookie found by the middleware on an OAuth2 callback request) leaves them alone.
    this.on('signedIn', () => parts.signIns.endAll())
  }

  /**
   * The request's session, made good for the request: a token past `refreshAfterShare` of its lifetime is
   * refreshed (concurrent requests with the same cookie share one refresh) and the new cookie written; a token
   * the server rejects ends the session and deletes the cookie. An official-SDK `pb_auth` cookie is confirmed
   * with PocketBase first and rewritten in this entry's signed format. Without a way to set cookies (no `setAll`,
   * or it threw) a valid token is used as it is.
   *
   * @param options - `signal` cancels a refresh
   * @returns the session, or `null` when the request is signed out
   * @throws {AuthError} `network`, `timeout`, `server_error`, `rate_limited`, `aborted` when the token has expired
   * (or is an official-SDK cookie's) and PocketBase could not be asked; a still-valid token is returned instead.
   * @example
   * ```ts
   * declare const cookies: { getAll(): { name: string; value: string }[] }
   * const auth = createRequestAuth({ url: 'http://127.0.0.1:8090', cookies })
   * const session = await auth.getSession()
   * console.log(session?.record.email ?? 'signed out')
   * ```
   */
  async getSession(options?: { signal?: AbortSignal }): Promise<AuthSession | null> {
    const { store, jar, now, refreshAfterShare, logger } = this.#parts
    const legacy = store.takeLegacyToken()
    if (legacy !== undefined) {
      this.#adopting = this.#adoptOfficialCookie(legacy).finally(() => {
        this.#adopting = undefined
      })
    }
    if (this.#adopting !== undefined) {
      // The caller's signal ends its own wait; the shared confirmation goes on for the other callers.
      const signal = options?.signal
      return signal === undefined
        ? this.#adopting
        : raceAbort(this.#adopting, signal, () => new AbortedError('getSession: aborted by the caller'))
    }
    const session = this.session
    if (session === null) return null
    const expired = now() >= session.expiresAt
    const refreshAt = session.issuedAt + (session.expiresAt - session.issuedAt) * refreshAfterShare
    if (!expired && (now() < refreshAt || !jar.writable || !session.refreshable)) return session
    try {
      if (!session.refreshable) {
        await this.getToken() // an expired impersonation token: ends the session with token_expired
        return this.session
      }
      return await this.authRefresh(options?.signal === undefined ? undefined : { signal: options.signal })
    } catch (error) {
      if (!isAuthError(error)) throw error
      if (error.code === 'token_expired' || error.code === 'not_authenticated') return null
      const current = this.session
      if (current !== null && now() < current.expiresAt) {
        if (current === session)
          logger.warn('refresh failed; the request goes on with the still-valid token', { code: error.code })
        return current
      }
      throw error
    }
  }

  /**
   * What this browser's sealed cookies remember of a sign-in that spans requests.
   *
   * @returns the pending MFA and OTP (each `null` when there is none)
   * @example
   * ```ts
   * declare const auth: RequestAuthClient
   * const { mfa, otp } = await auth.pendingSignIn()
   * if (mfa !== null && otp !== null) console.log('enter the code mailed to', otp.email)
   * ```
   */
  async pendingSignIn(): Promise<PendingSignIn> {
    const [mfa, otp] = await Promise.all([this.#parts.signIns.pendingMfa(), this.#parts.signIns.pendingOTP()])
    return { mfa: mfa ?? null, otp: otp ?? null }
  }

  /**
   * Keeps the `mfaId` of an `MfaRequiredError` from a flow of another entry (`totp.signIn`) in this browser's sealed
   * cookie, as this client's own sign-ins do by themselves. Read it back with `pendingSignIn()`.
   *
   * @param error - the first factor's error
   * @throws {ConfigError} `config_invalid` when `error` is not an `MfaRequiredError`.
   * @example
   * ```ts
   * declare const auth: RequestAuthClient
   * declare const error: MfaRequiredError
   * await auth.rememberMfa(error)
   * ```
   */
  async rememberMfa(error: MfaRequiredError): Promise<void> {
    if (!(error instanceof MfaRequiredError)) {
      throw new ConfigError(
        [{ path: 'error', message: 'must be an MfaRequiredError' }],
        'Invalid arguments to rememberMfa',
      )
    }
    await this.#parts.signIns.keepMfa(error)
  }

  /**
   * As `AuthClient.authWithPassword`; as a second factor it uses this browser's pending `mfaId` by itself, and an
   * `MfaRequiredError` leaves its `mfaId` in a sealed cookie for the next request.
   *
   * @param identity - email, or another identity field of the collection
   * @param password - the record's password; sent with this request only, never kept
   * @param options - see `AuthCallOptions`
   * @returns the new session, whose cookie is set
   * @throws {AuthError} as `AuthClient.authWithPassword`.
   */
  override authWithPassword(
    identity: string,
    password: string,
    options?: AuthCallOptions,
  ): Promise<AuthSession> {
    return this.#signIn('password', options, (withMfa) => super.authWithPassword(identity, password, withMfa))
  }

  /**
   * As `AuthClient.authWithOTP`, with the pending `mfaId` and `MfaRequiredError` handled as `authWithPassword`.
   *
   * @param otpId - from `requestOTP()`, e.g. `(await auth.pendingSignIn()).otp.otpId`
   * @param code - the one-time password from the mail
   * @param options - see `AuthCallOptions`
   * @returns the new session, whose cookie is set
   * @throws {AuthError} as `AuthClient.authWithOTP`.
   */
  override authWithOTP(otpId: string, code: string, options?: AuthCallOptions): Promise<AuthSession> {
    return this.#signIn('otp', options, (withMfa) => super.authWithOTP(otpId, code, withMfa))
  }

  /**
   * As `AuthClient.requestOTP`; the `otpId` and address are also kept in a sealed cookie for the request that
   * checks the code (`pendingSignIn().otp`).
   *
   * @param email - the address to mail the code to
   * @param options - `signal` cancels the request
   * @returns the `otpId`
   * @throws {AuthError} as `AuthClient.requestOTP`.
   */
  override async requestOTP(email: string, options?: { signal?: AbortSignal }): Promise<RequestOTPResult> {
    const result = await super.requestOTP(email, options)
    await this.#parts.signIns.keepOTP(result.otpId, email)
    return result
  }

  /**
   * As `AuthClient.authWithOAuth2Code`, with the pending `mfaId` and `MfaRequiredError` handled as
   * `authWithPassword`.
   *
   * @param provider - the provider's key
   * @param code - the authorization code
   * @param codeVerifier - the attempt's PKCE verifier
   * @param redirectUrl - the attempt's redirect URL
   * @param createData - fields for a new record
   * @param options - see `OAuth2SignInOptions`
   * @returns the new session plus the provider's `meta`
   * @throws {AuthError} as `AuthClient.authWithOAuth2Code`.
   */
  override authWithOAuth2Code(
    provider: string,
    code: string,
    codeVerifier: string,
    redirectUrl: string,
    createData?: Record<string, unknown>,
    options?: OAuth2SignInOptions,
  ): Promise<OAuth2AuthSession> {
    return this.#signIn('oauth2', options, (withMfa) =>
      super.authWithOAuth2Code(provider, code, codeVerifier, redirectUrl, createData, withMfa),
    )
  }

  /**
   * Starts an OAuth2 code + PKCE sign-in: the state, PKCE verifier, provider and redirect URL go into a sealed,
   * `HttpOnly`, `SameSite=Lax` cookie for 10 minutes, so the callback completes in this browser only, in any
   * process. Redirect the browser to the returned `url`.
   *
   * @param provider - the provider's key, e.g. `google`
   * @param options - see {@link StartOAuth2Options}
   * @returns the provider URL and the attempt's `state`
   * @throws {AuthError} `oauth2_failed` (provider not enabled), `config_invalid` (empty provider, bad redirect URL,
   * or this request cannot set cookies), `not_found`, `unexpected_response`, transport codes.
   */
  override async startOAuth2(provider: string, options: StartOAuth2Options): Promise<StartOAuth2Result> {
    new InputCheck('startOAuth2')
      .text('provider', provider)
      .require(
        typeof options?.redirectUrl === 'string' && URL.canParse(options.redirectUrl),
        'options.redirectUrl',
        'must be an absolute URL',
      )
      .done()
    const { redirectUrl, signal } = options
    const methods = await this.listAuthMethods(signal === undefined ? undefined : { signal })
    const info = methods.oauth2.providers.find((candidate) => candidate.name === provider)
    if (info === undefined || !methods.oauth2.enabled) {
      const known = methods.oauth2.providers.map((candidate) => candidate.name).join(', ') || 'none'
      throw new OAuth2FailedError(
        `OAuth2 provider "${provider}" is not enabled on collection "${this.collection}" (enabled: ${known})`,
      )
    }
    const kept = await this.#parts.signIns.keepOAuth2({
      provider,
      state: info.state,
      codeVerifier: info.codeVerifier,
      redirectUrl,
    })
    if (!kept) {
      throw new ConfigError(
        [
          {
            path: 'cookies.setAll',
            message: 'is needed: the OAuth2 state must be kept in a cookie (this request cannot set cookies)',
          },
        ],
        'startOAuth2: cannot bind the sign-in to the browser',
      )
    }
    return { url: info.authURL + encodeURIComponent(redirectUrl), state: info.state }
  }

  /**
   * Finishes the OAuth2 sign-in this browser started, from the callback URL (or its parameters). The callback's
   * `state` must be the one in this browser's sealed cookie: a callback URL made for someone else (login CSRF)
   * rejects with `oauth2_state_invalid` before anything is sent, and signs nobody in. Emits `signedIn`.
   *
   * @param callback - the callback URL (e.g. `request.url`), or its `{ state, code, error }`
   * @param options - sign-in options; `expectedState`, when given, must match too
   * @returns the new session plus the provider's `meta`
   * @throws {AuthError} `oauth2_state_invalid` (no attempt in this browser's cookie, expired, or another state),
   * `oauth2_failed` (the provider refused, e.g. `providerError: 'access_denied'`, or the exchange failed),
   * `mfa_required` (the `mfaId` is kept in a sealed cookie), `validation_failed`, `forbidden`, transport codes.
   */
  override async completeOAuth2(
    callback: string | URL | OAuth2Callback,
    options?: CompleteOAuth2Options,
  ): Promise<OAuth2AuthSession> {
    const params =
      typeof callback === 'string' || callback instanceof URL ? parseOAuth2Callback(callback) : callback
    const pending = await this.#parts.signIns.pendingOAuth2()
    if (pending === undefined) {
      throw new OAuth2StateInvalidError(
        'completeOAuth2: no OAuth2 sign-in was started in this browser (no valid OAuth2 cookie: expired, or another browser); start again',
      )
    }
    const { expectedState, ...signInOptions } = options ?? {}
    const state = typeof params?.state === 'string' ? params.state : ''
    if (
      state !== pending.state ||
      (options !== undefined && 'expectedState' in options && expectedState !== pending.state)
    ) {
      throw new OAuth2StateInvalidError(
        'completeOAuth2: the callback belongs to another browser or attempt (its state is not the one this browser started)',
      )
    }
    this.#parts.signIns.endOAuth2()
    if (params.error !== undefined) {
      throw new OAuth2FailedError(
        `OAuth2 provider "${pending.provider}" refused: ${params.error}`,
        params.error,
      )
    }
    if (params.code === undefined || params.code === '') {
      throw new OAuth2FailedError(`OAuth2 provider "${pending.provider}" sent no code`)
    }
    return this.authWithOAuth2Code(
      pending.provider,
      params.code,
      pending.codeVerifier,
      pending.redirectUrl,
      params.createData,
      signInOptions,
    )
  }

  /**
   * Signs out: ends the session (`signedOut`, reason `logout`) and deletes the session cookie, its chunks and the
   * sign-in cookies, whatever they hold. PocketBase has no server logout: a copied token stays valid until it
   * expires.
   *
   * @example
   * ```ts
   * declare const auth: RequestAuthClient
   * auth.logout()
   * ```
   */
  override logout(): void {
    super.logout()
    this.#parts.store.deleteCookies()
    this.#parts.signIns.endAll()
  }

  /**
   * Runs a sign-in with the pending `mfaId` filled in when this is a second factor (a method other than the first
   * one's), and keeps a new `mfaId` in the sealed cookie before an `MfaRequiredError` reaches the caller.
   */
  async #signIn<T>(
    factor: FirstFactor,
    options: AuthCallOptions | undefined,
    run: (options: AuthCallOptions | undefined) => Promise<T>,
  ): Promise<T> {
    const { signIns } = this.#parts
    let effective = options
    if (options?.mfaId === undefined) {
      const pending = await signIns.pendingMfa()
      if (pending !== undefined && pending.secondFactor === undefined && pending.firstFactor !== factor) {
        effective = { ...options, mfaId: pending.mfaId }
      }
    }
    try {
      return await run(effective)
    } catch (error) {
      if (error instanceof MfaRequiredError) await signIns.keepMfa(error)
      else if (error instanceof InvalidCredentialsError && DEAD_MFA.has(error.reason)) signIns.endMfa()
      throw error
    }
  }

  /** Confirms an official-SDK cookie's token with PocketBase (auth-refresh) and adopts the answer as a sign-in. */
  async #adoptOfficialCookie(token: string): Promise<AuthSession | null> {
    try {
      return await runSignIn(this, 'password', (config) => refreshRequest(config, config.collection, token))
    } catch (error) {
      if (!isAuthError(error) || !NOT_A_SESSION.has(error.code)) {
        this.#parts.store.returnLegacyToken(token) // an outage: a later getSession() of this request asks again
        throw error
      }
      this.#parts.store.deleteCookies()
      return null
    }
  }
}
