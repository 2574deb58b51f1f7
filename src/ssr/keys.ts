/**
 * The cookie secret (`secret`, or `POCKETBASE_COOKIE_SECRET`) and the keys derived from it with HKDF-SHA-256: one
 * that signs the session cookie, one that seals the sign-in cookies (JWE `dir` + `A256GCM`), and a public key id.
 * Several secrets make a key ring for rotation: the first signs and seals, every one opens.
 * @module
 */
import { utf8, toBase64Url } from './bytes.js'
import type { HmacSha256 } from './hmac-sha256.js'

/** The environment variable read for `secret` when the option is not given. */
export const COOKIE_SECRET_ENV = 'POCKETBASE_COOKIE_SECRET'

/** The shortest secret accepted, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32

/** The most secrets a key ring holds (the current one and the ones being rotated out). */
export const MAX_SECRETS = 8

/** The keys of one secret. */
export interface CookieKeys {
  /** A short public id of the secret (the JWE `kid`), so the ring knows which key sealed a value. */
  readonly id: string
  /** Signs the session cookie (HMAC-SHA-256). */
  readonly mac: Uint8Array
  /** Seals the sign-in cookies (32 bytes, A256GCM). */
  readonly seal: Uint8Array<ArrayBuffer>
}

/** The keys of every configured secret: `current` signs and seals, all of them open. */
export interface KeyRing {
  readonly current: CookieKeys
  readonly all: readonly CookieKeys[]
}

/**
 * What is wrong with one secret, never quoting it.
 *
 * @param value - the secret to check
 * @returns the problem, or `undefined` when it is a string of at least {@link MIN_SECRET_BYTES} UTF-8 bytes
 */
export function secretProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  return utf8(value).length >= MIN_SECRET_BYTES
    ? undefined
    : `must be at least ${MIN_SECRET_BYTES} bytes (e.g. 32 random bytes in base64: openssl rand -base64 32)`
}

/**
 * What is wrong with the `secret` option, never quoting it.
 *
 * @param value - a secret, or an array of secrets (current first)
 * @returns the problem, or `undefined`
 */
export function secretsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return secretProblem(value)
  if (value.length === 0 || value.length > MAX_SECRETS) return `must hold 1 to ${MAX_SECRETS} secrets`
  const problem = value.map(secretProblem).find((message) => message !== undefined)
  return problem === undefined ? undefined : `each secret ${problem}`
}

const SALT = utf8('pocketbase-auth/ssr cookie keys v1')
const derived = new Map<string, CookieKeys>()
/** Derived keys kept per process; a process normally has one or two secrets. */
const MAX_DERIVED = 32

/**
 * HKDF-SHA-256 (RFC 5869) for outputs of at most 32 bytes: extract once, expand one block.
 *
 * @param hmac - the HMAC to use
 * @param prk - the extracted pseudorandom key
 * @param info - what the key is for
 * @returns the 32-byte output key
 */
function expand(hmac: HmacSha256, prk: Uint8Array, info: string): Uint8Array<ArrayBuffer> {
  const label = utf8(info)
  const input = new Uint8Array(label.length + 1)
  input.set(label)
  input[label.length] = 1
  return Uint8Array.from(hmac(prk, input))
}

/**
 * The keys of one secret, derived once per process.
 *
 * @param secret - a checked secret
 * @param hmac - the HMAC to derive with
 * @returns its keys
 */
function keysOf(secret: string, hmac: HmacSha256): CookieKeys {
  const known = derived.get(secret)
  if (known !== undefined) return known
  const prk = hmac(SALT, utf8(secret))
  const keys: CookieKeys = Object.freeze({
    id: toBase64Url(expand(hmac, prk, 'key id').subarray(0, 9)),
    mac: expand(hmac, prk, 'session cookie mac'),
    seal: expand(hmac, prk, 'sealed cookie A256GCM'),
  })
  if (derived.size >= MAX_DERIVED) derived.clear()
  derived.set(secret, keys)
  return keys
}

/**
 * The key ring of the configured secrets.
 *
 * @param secrets - checked secrets, the current one first
 * @param hmac - the HMAC to derive with
 * @returns the ring
 */
export function keyRing(secrets: readonly string[], hmac: HmacSha256): KeyRing {
  const all = secrets.map((secret) => keysOf(secret, hmac))
  const current = all[0]
  if (current === undefined) throw new TypeError('keyRing: no secret')
  return { current, all }
}
