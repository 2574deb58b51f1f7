import { base64url } from 'jose'
import { isNonEmptyString, isObject } from '../narrow.js'

/** Rejects a payload that is not valid UTF-8, as jose does. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The claims of a PocketBase auth token that the SDK relies on. */
export interface AuthTokenClaims {
  /** Record id. */
  readonly id: string
  /** Collection id of the record. */
  readonly collectionId: string
  /** Expiry, seconds since the epoch, on the server's clock. */
  readonly exp: number
  /** `false` for impersonation tokens. Absent in tokens of older PocketBase versions, which were refreshable. */
  readonly refreshable: boolean
}

/**
 * Decodes (without verifying: only the server holds the key) a PocketBase auth token's claims, the payload's
 * base64url with jose, and checks them. Returns `undefined` for anything that is not a PocketBase auth token, without saying why: the
 * reason could quote the token.
 *
 * @param token - the token from an auth response
 * @returns the checked claims (`refreshable` is `true` when absent), or `undefined`
 */
export function readAuthTokenClaims(token: string): AuthTokenClaims | undefined {
  // A signed JWT: header.payload.signature. jose's decodeJwt makes the same checks for about 120 B more of the
  // core bundle's 12 kB budget.
  const parts = token.split('.')
  let claims: unknown
  try {
    claims = parts.length === 3 && JSON.parse(STRICT_UTF8.decode(base64url.decode(parts[1] ?? '')))
  } catch {
    return undefined
  }
  if (!isObject(claims)) return undefined
  const { id, collectionId, exp, type, refreshable } = claims
  if (!isNonEmptyString(id) || !isNonEmptyString(collectionId) || type !== 'auth') return undefined
  // exp in seconds must give a valid Date in milliseconds (at most 8.64e15 ms).
  if (typeof exp !== 'number' || !(exp > 0 && exp <= 8_640_000_000_000)) return undefined
  if (refreshable !== undefined && typeof refreshable !== 'boolean') return undefined
  return { id, collectionId, exp, refreshable: refreshable ?? true }
}
