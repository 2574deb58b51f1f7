/**
 * Signs and checks the session cookie. The value is readable (the browser's owner may read their own record), but
 * it cannot be changed: the tag is an HMAC-SHA-256 under a key derived from the cookie secret, so a record edited
 * in the browser (a `role` raised, say) no longer opens, and the session is treated as absent.
 * @module
 */
import type { AuthSession } from '../index.js'
import { readAuthTokenClaims } from '../kit.js'
import { equalBytes, fromBase64Url, fromUtf8, toBase64Url, utf8 } from './bytes.js'
import type { HmacSha256 } from './hmac-sha256.js'
import type { KeyRing } from './keys.js'
import { FORMAT_V1, parseSessionValue, SEPARATOR } from './session-cookie-value.js'

/** What a readable session cookie holds, before it is checked against the token's claims. */
export type DecodedSession =
  | {
      /** Written by this entry and signed with one of the ring's keys. */
      readonly kind: 'signed'
      readonly token: string
      /** The parsed record JSON, unchecked. */
      readonly record: unknown
      readonly issuedAt: number
      /** The server clock offset (ms) the session's `expiresAt` was computed with. */
      readonly clockOffsetMs: number
    }
  | {
      /** The official SDK's `pb_auth`: the token must be confirmed by PocketBase before anything trusts it. */
      readonly kind: 'legacy'
      readonly token: string
    }

/** Binds a tag to its purpose, so no other HMAC under the same key can pass for a session tag. */
const DOMAIN = 'pocketbase-auth/ssr session\n'

function tagOf(hmac: HmacSha256, key: Uint8Array, signed: string): Uint8Array {
  return hmac(key, utf8(DOMAIN + signed))
}

/**
 * The cookie value of a session, signed with the ring's current key.
 *
 * @param session - the session to keep
 * @param ring - the keys; `current` signs
 * @param hmac - the HMAC implementation
 * @returns `v1~token~record~issuedAt~clockOffsetMs~tag`
 */
export function encodeSession(session: AuthSession, ring: KeyRing, hmac: HmacSha256): string {
  const record = toBase64Url(utf8(JSON.stringify(session.record)))
  // `expiresAt` is the token's `exp` moved to our clock: keep the offset, so the next request reads the same time.
  const claims = readAuthTokenClaims(session.token)
  const offset = claims === undefined ? 0 : Math.round(claims.exp * 1000 - session.expiresAt)
  const signed = [
    FORMAT_V1,
    session.token,
    record,
    String(Math.max(0, Math.floor(session.issuedAt))),
    String(Number.isSafeInteger(offset) ? offset : 0),
  ].join(SEPARATOR)
  return `${signed}${SEPARATOR}${toBase64Url(tagOf(hmac, ring.current.mac, signed))}`
}

/**
 * Reads a session cookie value: a signed one only when its tag matches one of the ring's keys.
 *
 * @param value - the joined cookie value
 * @param ring - the keys; every one is tried
 * @param hmac - the HMAC implementation
 * @returns the decoded session, or `undefined` for a value that is unreadable, forged, signed with an unknown
 * secret, or whose record is not JSON
 */
export function decodeSession(value: string, ring: KeyRing, hmac: HmacSha256): DecodedSession | undefined {
  const parsed = parseSessionValue(value)
  if (parsed === undefined) return undefined
  if (parsed.kind === 'legacy') return { kind: 'legacy', token: parsed.token }
  const tag = fromBase64Url(parsed.tag)
  if (tag === undefined || !ring.all.some((keys) => equalBytes(tag, tagOf(hmac, keys.mac, parsed.signed)))) {
    return undefined
  }
  const bytes = fromBase64Url(parsed.record)
  const json = bytes === undefined ? undefined : fromUtf8(bytes)
  if (json === undefined) return undefined
  let record: unknown
  try {
    record = JSON.parse(json)
  } catch {
    return undefined
  }
  return {
    kind: 'signed',
    token: parsed.token,
    record,
    issuedAt: parsed.issuedAt,
    clockOffsetMs: parsed.clockOffsetMs,
  }
}
