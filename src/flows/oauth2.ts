import type { ResolvedConfig } from '../config.js'
import { OAuth2FailedError, OAuth2StateInvalidError } from '../errors/oauth2.js'
import { collectionPath } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { fetchAuthMethods } from './auth-methods.js'
import { checkAuthCallOptions, InputCheck, type AuthCallOptions } from './input.js'
import type { OAuth2StateStore } from './oauth2-states.js'
import { authQuery, requestAuth } from './sign-in-request.js'

/** Options of `startOAuth2`. */
export interface StartOAuth2Options {
  /** Where the provider sends the browser back; must be registered with the provider. */
  redirectUrl: string
  /** Cancels the auth-methods request. */
  signal?: AbortSignal
}

/** What `startOAuth2` returns: send the user to `url`, keep nothing else. */
export interface StartOAuth2Result {
  /** The provider's authorize URL with your redirect URL appended. */
  readonly url: string
  /** Identifies this attempt; comes back on the callback. */
  readonly state: string
}

/** The callback parameters of `completeOAuth2`, when you parsed them yourself. */
export interface OAuth2Callback {
  readonly state: string
  /** The authorization code; absent when the provider sent `error`. */
  readonly code?: string
  /** The provider's `error`, e.g. `access_denied`. */
  readonly error?: string
  /** Fields for the record PocketBase creates for a new user. */
  readonly createData?: Record<string, unknown>
}

/** Options of the OAuth2 sign-in calls. */
export interface OAuth2SignInOptions extends AuthCallOptions {
  /**
   * Send the current session's token, so PocketBase links the provider account to the signed-in record.
   * Without it the SDK never sends a token: signing in cannot link by accident. @default false
   */
  link?: boolean
}

/** Options of `completeOAuth2`. */
export interface CompleteOAuth2Options extends OAuth2SignInOptions {
  /**
   * The `state` your app bound to this browser when it started the sign-in, e.g. read back from a cookie set
   * next to the redirect to the provider. When this key is given, the callback's `state` must equal it, or the
   * call rejects with `oauth2_state_invalid` before it uses the pending attempt or sends anything; a value of
   * `undefined` or `''` (the browser has no such cookie) rejects too. This stops login CSRF: a callback an
   * attacker obtained for their own account and opens in a victim's browser carries the attacker's state, not
   * the victim's. @default not given: any state this client started is accepted
   */
  expectedState?: string | undefined
}

/**
 * Starts an authorization-code + PKCE attempt; the verifier stays in `states`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param states - where the pending attempt is kept until `completeOAuth2`
 * @param provider - the provider's key, e.g. `google`
 * @param options - see {@link StartOAuth2Options}
 * @param ttlMs - how long the attempt stays usable, in milliseconds
 * @returns the provider URL (with the encoded redirect URL appended) and the attempt's `state`
 * @throws {ConfigError} `config_invalid` for an empty provider or a redirect URL that is not absolute.
 * @throws {OAuth2FailedError} `oauth2_failed` when OAuth2 or this provider is not enabled on the collection.
 * @throws {AuthError} any code `fetchAuthMethods` throws.
 */
export async function startOAuth2(
  config: ResolvedConfig,
  collection: string,
  states: OAuth2StateStore,
  provider: string,
  options: StartOAuth2Options,
  ttlMs: number,
): Promise<StartOAuth2Result> {
  new InputCheck('startOAuth2')
    .text('provider', provider)
    .require(isAbsoluteUrl(options?.redirectUrl), 'options.redirectUrl', 'must be an absolute URL')
    .done()
  const methods = await fetchAuthMethods(config, collection, options.signal)
  const info = methods.oauth2.providers.find((candidate) => candidate.name === provider)
  if (info === undefined || !methods.oauth2.enabled) {
    const known = methods.oauth2.providers.map((candidate) => candidate.name).join(', ') || 'none'
    throw new OAuth2FailedError(
      `OAuth2 provider "${provider}" is not enabled on collection "${collection}" (enabled: ${known})`,
    )
  }
  states.add(info.state, {
    provider,
    codeVerifier: info.codeVerifier,
    redirectUrl: options.redirectUrl,
    expiresAt: config.now() + ttlMs,
  })
  return { url: info.authURL + encodeURIComponent(options.redirectUrl), state: info.state }
}

/**
 * Reads `{ state, code, error }` from a callback URL (query or fragment).
 *
 * @param callbackUrl - the URL the provider redirected to
 * @returns `state` (`''` when absent), `code` and `error`: from the query if it has any, else the fragment
 * @throws {OAuth2StateInvalidError} `oauth2_state_invalid` when `callbackUrl` is not a valid URL.
 */
export function parseOAuth2Callback(callbackUrl: string | URL): OAuth2Callback {
  let url: URL
  try {
    url = new URL(callbackUrl)
  } catch {
    throw new OAuth2StateInvalidError('completeOAuth2: the callback URL is not a valid URL')
  }
  const fromQuery = ['state', 'code', 'error'].some((name) => url.searchParams.has(name))
  const params = fromQuery ? url.searchParams : new URLSearchParams(url.hash.slice(1))
  const state = params.get('state') ?? ''
  const code = params.get('code')
  const error = params.get('error')
  return { state, ...(code === null ? {} : { code }), ...(error === null ? {} : { error }) }
}

/**
 * Checks a callback against the state bound to the browser (when given) and the pending attempt (single use),
 * then exchanges the code.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param states - the pending attempts; the matching one is taken out
 * @param callback - the callback's `state`, and `code` or `error`
 * @param options - the sign-in options and `expectedState`, plus the session `token` to send when linking
 * @returns the checked auth response, `meta` included
 * @throws {OAuth2StateInvalidError} `oauth2_state_invalid` for a state other than `expectedState` (nothing
 * taken, nothing sent), or an unknown, expired or reused state.
 * @throws {ConfigError} `config_invalid` when `expectedState` is given but is not a string.
 * @throws {OAuth2FailedError} `oauth2_failed` when the provider sent `error=` or the exchange failed.
 */
export function completeOAuth2(
  config: ResolvedConfig,
  collection: string,
  states: OAuth2StateStore,
  callback: OAuth2Callback,
  options: CompleteOAuth2Options & { token?: string | undefined },
): Promise<ReceivedAuth> {
  if ('expectedState' in options) checkExpectedState(callback.state, options.expectedState)
  const pending = callback.state === '' ? undefined : states.take(callback.state)
  if (pending === undefined) {
    throw new OAuth2StateInvalidError(
      'completeOAuth2: unknown, expired or already used state; start the sign-in again with startOAuth2()',
    )
  }
  if (callback.error !== undefined) {
    throw new OAuth2FailedError(
      `OAuth2 provider "${pending.provider}" refused: ${callback.error}`,
      callback.error,
    )
  }
  if (callback.code === undefined || callback.code === '') {
    throw new OAuth2FailedError(`OAuth2 provider "${pending.provider}" sent no code`)
  }
  return oauth2CodeSignIn(config, collection, {
    provider: pending.provider,
    code: callback.code,
    codeVerifier: pending.codeVerifier,
    redirectUrl: pending.redirectUrl,
    createData: callback.createData,
    options,
  })
}

/**
 * The low-level exchange: `POST /api/collections/{collection}/auth-with-oauth2`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param input - provider, code, PKCE verifier, redirect URL, optional `createData` and sign-in options
 * @returns the checked auth response, `meta` included
 * @throws {ConfigError} `config_invalid` for an empty provider, code or verifier, a redirect URL that is not
 * absolute, a `createData` that is not an object, or bad options; before any request.
 */
export function oauth2CodeSignIn(
  config: ResolvedConfig,
  collection: string,
  input: {
    provider: string
    code: string
    codeVerifier: string
    redirectUrl: string
    createData?: Record<string, unknown> | undefined
    options?: (OAuth2SignInOptions & { token?: string | undefined }) | undefined
  },
): Promise<ReceivedAuth> {
  const { options } = input
  checkAuthCallOptions(
    new InputCheck('authWithOAuth2Code')
      .text('provider', input.provider)
      .text('code', input.code)
      .text('codeVerifier', input.codeVerifier)
      .require(isAbsoluteUrl(input.redirectUrl), 'redirectUrl', 'must be an absolute URL')
      .require(
        input.createData === undefined || (typeof input.createData === 'object' && input.createData !== null),
        'createData',
        'must be an object',
      ),
    options,
  ).done()
  const query = authQuery(options)
  return requestAuth(config, {
    path: collectionPath(collection, 'auth-with-oauth2'),
    query: query.fields === undefined ? query : { ...query, fields: `${query.fields},meta` },
    body: {
      provider: input.provider,
      code: input.code,
      codeVerifier: input.codeVerifier,
      redirectURL: input.redirectUrl,
      // JSON leaves out an undefined createData or mfaId.
      createData: input.createData,
      mfaId: options?.mfaId,
    },
    token: options?.token,
    signal: options?.signal,
    factor: 'oauth2',
    gated: true,
  })
}

/**
 * The login-CSRF check: the callback must carry the state this browser started. Runs before the pending attempt
 * is taken, so a foreign callback leaves the attacker's attempt (and every other) untouched.
 */
function checkExpectedState(received: string, expected: unknown): void {
  new InputCheck('completeOAuth2')
    .require(
      expected === undefined || expected === null || typeof expected === 'string',
      'options.expectedState',
      'must be a string (the state bound to this browser), or undefined when there is none',
    )
    .done()
  if (typeof expected !== 'string' || expected === '') {
    throw new OAuth2StateInvalidError(
      'completeOAuth2: no state is bound to this browser (options.expectedState is empty); start the sign-in again',
    )
  }
  if (received !== expected) {
    throw new OAuth2StateInvalidError(
      'completeOAuth2: the callback belongs to another browser or attempt (state differs from options.expectedState)',
    )
  }
}

function isAbsoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    new URL(value)
    return true
  } catch {
    return false
  }
}
