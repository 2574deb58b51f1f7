import type { ResolvedConfig } from '../config.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { collectionPath, pocketBaseRequest } from '../http/request.js'
import { isNonEmptyString, isObject, stringAt } from '../narrow.js'

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

/** Reads `{ enabled, duration }`; `undefined` when the shape is wrong. */
function readTimed(value: unknown): TimedAuthMethod | undefined {
  if (!isObject(value) || typeof value.enabled !== 'boolean') return undefined
  const { duration } = value
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) return undefined
  return { enabled: value.enabled, durationSeconds: duration, duration }
}

const PROVIDER_STRINGS = ['state', 'authURL', 'codeVerifier', 'codeChallenge', 'codeChallengeMethod'] as const

/** Reads one provider entry; `undefined` when the shape is wrong. */
function readProvider(value: unknown): OAuth2ProviderInfo | undefined {
  if (!isObject(value) || !isNonEmptyString(value.name)) return undefined
  if (!PROVIDER_STRINGS.every((key) => typeof value[key] === 'string')) return undefined
  const displayName = value.displayName
  if (displayName !== undefined && typeof displayName !== 'string') return undefined
  const info: Record<string, string> = { name: value.name, displayName: displayName ?? value.name }
  for (const key of PROVIDER_STRINGS) info[key] = stringAt(value, key)
  return info as unknown as OAuth2ProviderInfo
}

/**
 * Checks an auth-methods body and drops PocketBase's legacy fields; `undefined` when the shape is wrong.
 *
 * @param body - the untrusted response body
 * @returns the typed methods, or `undefined` when any part has the wrong shape
 */
export function readAuthMethods(body: unknown): AuthMethods | undefined {
  if (!isObject(body)) return undefined
  const { password, oauth2 } = body
  const mfa = readTimed(body.mfa)
  const otp = readTimed(body.otp)
  if (!isObject(password) || typeof password.enabled !== 'boolean') return undefined
  const identityFields = password.identityFields
  if (!Array.isArray(identityFields) || !identityFields.every((field) => typeof field === 'string'))
    return undefined
  if (!isObject(oauth2) || typeof oauth2.enabled !== 'boolean' || !Array.isArray(oauth2.providers))
    return undefined
  const providers = oauth2.providers.map(readProvider)
  if (mfa === undefined || otp === undefined || providers.some((provider) => provider === undefined))
    return undefined
  return {
    password: { enabled: password.enabled, identityFields: identityFields as string[] },
    oauth2: { enabled: oauth2.enabled, providers: providers as OAuth2ProviderInfo[] },
    mfa,
    otp,
  }
}

/**
 * `GET /api/collections/{collection}/auth-methods`, checked and without legacy fields.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param signal - cancels the request
 * @returns the collection's auth methods
 * @throws {UnexpectedResponseError} `unexpected_response` when the body has the wrong shape.
 */
export async function fetchAuthMethods(
  config: ResolvedConfig,
  collection: string,
  signal?: AbortSignal,
): Promise<AuthMethods> {
  const path = collectionPath(collection, 'auth-methods')
  const response = await pocketBaseRequest(config, { method: 'GET', path, signal })
  const methods = readAuthMethods(response.body)
  if (methods === undefined) {
    throw new UnexpectedResponseError(`GET ${path}: the response is not an auth-methods body`, {
      status: response.status,
      exchange: response.exchange,
    })
  }
  return methods
}
