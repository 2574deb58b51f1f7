import * as z from 'zod/mini'
import type { AuthSession } from '../session/types.js'

/**
 * What PocketBase learned from the OAuth2 provider. `accessToken` and `refreshToken` are the provider's secrets:
 * the SDK returns them to the caller of the OAuth2 sign-in only, never stores, logs or emits them.
 */
export interface OAuth2Meta {
  /** The provider's user id (`sub`). */
  readonly id: string
  readonly name: string
  readonly username: string
  /** Empty unless the provider says the email is verified. */
  readonly email: string
  /** Whether PocketBase created a new record for this sign-in. */
  readonly isNew: boolean
  readonly avatarURL: string
  readonly accessToken: string
  readonly refreshToken: string
  /** Provider token expiry as PocketBase formats dates, e.g. `2026-11-22 03:20:24.397Z`. */
  readonly expiry: string
  /** The provider's raw user info. */
  readonly rawUser: Readonly<Record<string, unknown>>
}

/** An OAuth2 sign-in's result: the session plus the provider `meta`. */
export type OAuth2AuthSession = AuthSession & { readonly meta: OAuth2Meta }

const text = z.catch(z.string(), '')
const metaSchema = z.object({
  id: text,
  name: text,
  username: text,
  email: text,
  isNew: z.catch(z.boolean(), false),
  avatarURL: text,
  accessToken: text,
  refreshToken: text,
  expiry: text,
  rawUser: z.catch(z.record(z.string(), z.unknown()), {}),
})

/** Reads PocketBase's OAuth2 `meta` leniently: a missing field becomes empty rather than failing the sign-in. */
export function readOAuth2Meta(meta: unknown): OAuth2Meta {
  const parsed = metaSchema.safeParse(typeof meta === 'object' && meta !== null ? meta : {})
  return parsed.success ? parsed.data : metaSchema.parse({})
}
