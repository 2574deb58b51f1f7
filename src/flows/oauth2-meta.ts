import { isObject, stringAt } from '../narrow.js'
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

/**
 * Reads PocketBase's OAuth2 `meta` leniently: a missing or mistyped field becomes empty rather than failing (the
 * session is already valid; `meta` only describes the provider's side).
 *
 * @param meta - the untrusted `meta` of an auth response
 * @returns every field; `''`, `false` or `{}` where `meta` lacks it or has another type
 * @example
 * ```ts
 * const meta = readOAuth2Meta(body.meta)
 * if (meta.isNew) console.log('welcome', meta.name)
 * ```
 */
export function readOAuth2Meta(meta: unknown): OAuth2Meta {
  const m = isObject(meta) ? meta : {}
  return {
    id: stringAt(m, 'id'),
    name: stringAt(m, 'name'),
    username: stringAt(m, 'username'),
    email: stringAt(m, 'email'),
    isNew: m.isNew === true,
    avatarURL: stringAt(m, 'avatarURL'),
    accessToken: stringAt(m, 'accessToken'),
    refreshToken: stringAt(m, 'refreshToken'),
    expiry: stringAt(m, 'expiry'),
    rawUser: isObject(m.rawUser) ? m.rawUser : {},
  }
}
