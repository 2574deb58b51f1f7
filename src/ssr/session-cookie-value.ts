/**
 * The session cookie's value, without the secret: how it is laid out, how its chunks are put back together, and
 * the token in it. `pocketbase-auth/server`'s `cookie` option reads the token through this module (the verifier then
 * checks the token with PocketBase, so it needs no secret); `pocketbase-auth/ssr` also checks the signature.
 *
 * Layout: `v1~<token>~<record as base64url JSON>~<issuedAt ms>~<server clock offset ms>~<HMAC-SHA-256 as
 * base64url>`, only characters that `encodeURIComponent` leaves alone. The official SDK's `pb_auth` value (URI-encoded JSON `{ token, record }`) is
 * read too, for apps that migrate.
 * @module
 */

/** The session cookie's default name, the same as the official SDK's. */
export const DEFAULT_COOKIE_NAME = 'pb_auth'

/** The most chunks read back (`name.0` to `name.15`); a longer run is not a session this entry wrote. */
export const MAX_CHUNKS_READ = 16

/** The first field of the current layout. */
export const FORMAT_V1 = 'v1'

/** Separates the fields: `~` is in no token, base64url or number, and `encodeURIComponent` keeps it. */
export const SEPARATOR = '~'

/** The fields of a value in the current layout. */
export interface SignedSessionValue {
  readonly kind: 'signed'
  /** Everything the tag covers: the value up to its last separator. */
  readonly signed: string
  readonly token: string
  /** The record as base64url UTF-8 JSON. */
  readonly record: string
  readonly issuedAt: number
  /** The server clock offset measured when the token arrived (ms), so `expiresAt` reads as it did then. */
  readonly clockOffsetMs: number
  /** The tag, base64url. */
  readonly tag: string
}

/** A value in the official SDK's layout; nothing in it is signed. */
export interface LegacySessionValue {
  readonly kind: 'legacy'
  readonly token: string
  /** Whatever the JSON held as `record` (or `model`), unchecked. */
  readonly record: unknown
}

/**
 * The name of chunk `index` of a session cookie.
 *
 * @param name - the session cookie's name
 * @param index - from 0
 * @returns `name.index`
 */
export function chunkName(name: string, index: number): string {
  return `${name}.${index}`
}

/**
 * Whether `candidate` is one of the chunk names of `name`.
 *
 * @param name - the session cookie's name
 * @param candidate - a cookie name
 * @returns the chunk's index, or `undefined` when it is not a chunk of `name`
 */
export function chunkIndexOf(name: string, candidate: string): number | undefined {
  if (!candidate.startsWith(`${name}.`)) return undefined
  const rest = candidate.slice(name.length + 1)
  return /^(0|[1-9]\d{0,2})$/.test(rest) ? Number(rest) : undefined
}

/**
 * The session cookie's value: the cookie `name` itself, else its chunks `name.0`, `name.1`, … joined up to the
 * first one missing.
 *
 * @param lookup - the value of a request cookie by name (the first one when the name repeats)
 * @param name - the session cookie's name
 * @returns the value, or `undefined` when neither the cookie nor a first chunk is present
 */
export function readSessionValue(
  lookup: (name: string) => string | undefined,
  name: string,
): string | undefined {
  const whole = lookup(name)
  if (whole !== undefined && whole !== '') return whole
  let joined = ''
  for (let index = 0; index < MAX_CHUNKS_READ; index++) {
    const chunk = lookup(chunkName(name, index))
    if (chunk === undefined || chunk === '') break
    joined += chunk
  }
  return joined === '' ? undefined : joined
}

/**
 * Splits a session value into its fields.
 *
 * @param value - the joined value
 * @returns the signed fields, the official SDK's `{ token, record }`, or `undefined` for anything else
 */
export function parseSessionValue(value: string): SignedSessionValue | LegacySessionValue | undefined {
  if (value.startsWith(FORMAT_V1 + SEPARATOR)) {
    const fields = value.split(SEPARATOR)
    if (fields.length !== 6) return undefined
    const [, token = '', record = '', issuedAt = '', offset = '', tag = ''] = fields
    if (token === '' || record === '' || tag === '') return undefined
    if (!/^\d{1,16}$/.test(issuedAt) || !/^-?\d{1,13}$/.test(offset)) return undefined
    return {
      kind: 'signed',
      signed: value.slice(0, value.lastIndexOf(SEPARATOR)),
      token,
      record,
      issuedAt: Number(issuedAt),
      clockOffsetMs: Number(offset),
      tag,
    }
  }
  return parseLegacy(value)
}

/** The official SDK's value: `encodeURIComponent(JSON.stringify({ token, record }))`, decoded or not. */
function parseLegacy(value: string): LegacySessionValue | undefined {
  let text = value
  if (/^%7b/i.test(text)) {
    try {
      text = decodeURIComponent(text)
    } catch {
      return undefined
    }
  }
  if (!text.startsWith('{')) return undefined
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof data !== 'object' || data === null) return undefined
  const { token, record, model } = data as { token?: unknown; record?: unknown; model?: unknown }
  if (typeof token !== 'string' || token === '') return undefined
  return { kind: 'legacy', token, record: record ?? model }
}

/**
 * The token in a session cookie, without checking its signature (the caller verifies the token with PocketBase).
 *
 * @param lookup - the value of a request cookie by name
 * @param name - the session cookie's name
 * @returns the token, or `undefined` when there is no readable session cookie
 */
export function sessionTokenFromCookies(
  lookup: (name: string) => string | undefined,
  name: string,
): string | undefined {
  const value = readSessionValue(lookup, name)
  return value === undefined ? undefined : parseSessionValue(value)?.token
}

/**
 * Whether `name` is a cookie name the SDK accepts: 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-` starting
 * with a letter, optionally after the browser-enforced prefix `__Host-` or `__Secure-`.
 *
 * @param name - the candidate
 * @returns `true` when acceptable
 */
export function isCookieName(name: unknown): name is string {
  return typeof name === 'string' && /^(?:__Host-|__Secure-)?[A-Za-z][\w-]{0,63}$/.test(name)
}

/** What a bad cookie name gets told. */
export const COOKIE_NAME_RULE =
  "1 to 64 characters of A-Z, a-z, 0-9, _ and -, starting with a letter (after an optional '__Host-' or '__Secure-')"
