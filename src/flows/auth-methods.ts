import * as z from 'zod/mini'
import type { ResolvedConfig } from '../config.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
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

const timedSchema = z.object({ enabled: z.boolean(), duration: z.number().check(z.gte(0)) })
const providerSchema = z.object({
  name: z.string().check(z.minLength(1)),
  displayName: z.optional(z.string()),
  state: z.string(),
  authURL: z.string(),
  codeVerifier: z.string(),
  codeChallenge: z.string(),
  codeChallengeMethod: z.string(),
})
const authMethodsSchema = z.object({
  password: z.object({ enabled: z.boolean(), identityFields: z.array(z.string()) }),
  oauth2: z.object({ enabled: z.boolean(), providers: z.array(providerSchema) }),
  mfa: timedSchema,
  otp: timedSchema,
})

/**
 * `GET /api/collections/{collection}/auth-methods`, checked and without legacy fields.
 *
 * @throws {UnexpectedResponseError} `unexpected_response` when the body has the wrong shape.
 */
export async function fetchAuthMethods(
  config: ResolvedConfig,
  collection: string,
  signal?: AbortSignal,
): Promise<AuthMethods> {
  const path = collectionPath(collection, 'auth-methods')
  const response = await pocketBaseRequest(config, { method: 'GET', path, signal })
  const parsed = authMethodsSchema.safeParse(response.body)
  if (!parsed.success) {
    throw new UnexpectedResponseError(`GET ${path}: the response is not an auth-methods body`, {
      status: response.status,
      exchange: response.exchange,
    })
  }
  const { password, oauth2, mfa, otp } = parsed.data
  const timed = (m: { enabled: boolean; duration: number }): TimedAuthMethod => ({
    enabled: m.enabled,
    durationSeconds: m.duration,
    duration: m.duration,
  })
  return {
    password: { enabled: password.enabled, identityFields: password.identityFields },
    oauth2: {
      enabled: oauth2.enabled,
      providers: oauth2.providers.map((p) => ({ ...p, displayName: p.displayName ?? p.name })),
    },
    mfa: timed(mfa),
    otp: timed(otp),
  }
}
