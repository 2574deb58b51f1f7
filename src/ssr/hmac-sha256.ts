/**
 * HMAC-SHA-256 for runtimes without `node:crypto` (Next.js middleware on the Edge runtime, Workers), from
 * `@noble/hashes` (audited, synchronous). The session cookie is signed and checked inside synchronous paths (a
 * `TokenStore`'s `get` and `set`), where Web Crypto's promise-based `crypto.subtle.sign` cannot be awaited.
 * Checked against `node:crypto` on arbitrary keys and messages in `test/ssr/hmac.test.ts`.
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'

/** A synchronous HMAC-SHA-256: the 32-byte tag of `message` under `key`. */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array

/**
 * HMAC-SHA-256 without `node:crypto`.
 *
 * @param key - the key, any length (hashed first when longer than 64 bytes)
 * @param message - the bytes to authenticate
 * @returns the 32-byte tag, the same as `createHmac('sha256', key).update(message).digest()`
 * @example
 * ```ts
 * const tag = hmacSha256(new TextEncoder().encode('key'), new TextEncoder().encode('message'))
 * ```
 */
export const hmacSha256: HmacSha256 = (key, message) => hmac(sha256, key, message)
