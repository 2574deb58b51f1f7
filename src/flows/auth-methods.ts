import type { ResolvedConfig } from '../config.js'
import type { FailedExchange } from '../errors/auth-error.js'
import { BodyCheck } from '../errors/body-check.js'
import { collectionPath, pocketBaseRequest } from '../http/request.js'

/** One OAuth2 provider as `listAuthMethods()` reports it, with a fresh PKCE pair for one sign-in. */
export interface OAuth2ProviderInfo {
  /** Provider key, e.g. `google` or `oidc`. */
  readonly name: string
  readonly displayName: string
  /** PocketBase's `state` for this attempt. */
  readonly state: string
  /** The provider's authorize URL; it ends with `redirect_uri=`, append your encoded redirect URL. */
  readonly authURL: string
  /** PKCE verifier for this attempt. A secret: keep it in memory only. */
  readonly codeVerifier: string
  readonly codeChallenge: string
  readonly codeChallengeMethod: string
}

/** A time-limited auth feature (OTP, MFA). */
export interface TimedAuthMethod {
  readonly enabled: boolean
  /** Lifetime of an OTP or MFA session in seconds (PocketBase reports 0 while disabled). */
  readonly durationSeconds: number
  /** @deprecated Same as `durationSeconds` (PocketBase's name); kept for readers of PocketBase docs. */
  readonly duration: number
}

/** The auth methods a collection offers; PocketBase's legacy fields are dropped. */
export interface AuthMethods {
  readonly password: { readonly enabled: boolean; readonly identityFields: readonly string[] }
  readonly oauth2: { readonly enabled: boolean; readonly providers: readonly OAuth2ProviderInfo[] }
  readonly mfa: TimedAuthMethod
  readonly otp: TimedAuthMethod
}

/** Reads `{ enabled, duration }` at `field` (`mfa` or `otp`). */
function readTimed(check: BodyCheck, value: unknown, field: string): TimedAuthMethod {
  const method = check.object(value, field)
  const duration = check.nonNegativeNumber(method.duration, `${field}.duration`)
  return { enabled: check.boolean(method.enabled, `${field}.enabled`), durationSeconds: duration, duration }
}

/** Reads provider `index` of `oauth2.providers`. */
function readProvider(check: BodyCheck, value: unknown, index: number): OAuth2ProviderInfo {
  const field = `oauth2.providers.${index}`
  const provider = check.object(value, field)
  const name = check.nonEmptyString(provider.name, `${field}.name`)
  return {
    name,
    displayName:
      provider.displayName === undefined ? name : check.string(provider.displayName, `${field}.displayName`),
    state: check.string(provider.state, `${field}.state`),
    authURL: check.string(provider.authURL, `${field}.authURL`),
    codeVerifier: check.string(provider.codeVerifier, `${field}.codeVerifier`),
    codeChallenge: check.string(provider.codeChallenge, `${field}.codeChallenge`),
    codeChallengeMethod: check.string(provider.codeChallengeMethod, `${field}.codeChallengeMethod`),
  }
}

/**
 * Checks an auth-methods body field by field and drops PocketBase's legacy fields.
 *
 * @param body - the untrusted response body
 * @param exchange - the request it answered (method, URL, status), named in the error's message
 * @returns the typed methods
 * @throws {UnexpectedResponseError} `unexpected_response` naming the first field that has the wrong type,
 * e.g. `"response" body "oauth2.providers.0.state" property must be a string`.
 */
export function readAuthMethods(body: unknown, exchange?: FailedExchange): AuthMethods {
  const check = new BodyCheck(exchange)
  const methods = check.object(body, '')
  const password = check.object(methods.password, 'password')
  const oauth2 = check.object(methods.oauth2, 'oauth2')
  return {
    password: {
      enabled: check.boolean(password.enabled, 'password.enabled'),
      identityFields: check
        .array(password.identityFields, 'password.identityFields')
        .map((field, index) => check.string(field, `password.identityFields.${index}`)),
    },
    oauth2: {
      enabled: check.boolean(oauth2.enabled, 'oauth2.enabled'),
      providers: check
        .array(oauth2.providers, 'oauth2.providers')
        .map((provider, index) => readProvider(check, provider, index)),
    },
    mfa: readTimed(check, methods.mfa, 'mfa'),
    otp: readTimed(check, methods.otp, 'otp'),
  }
}

/**
 * `GET /api/collections/{collection}/auth-methods`, checked and without legacy fields.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param signal - cancels the request
 * @returns the collection's auth methods
 * @throws {UnexpectedResponseError} `unexpected_response` naming the first field of the body with the wrong type.
 */
export async function fetchAuthMethods(
  config: ResolvedConfig,
  collection: string,
  signal?: AbortSignal,
): Promise<AuthMethods> {
  const path = collectionPath(collection, 'auth-methods')
  const response = await pocketBaseRequest(config, { method: 'GET', path, signal })
  return readAuthMethods(response.body, response.exchange)
}
