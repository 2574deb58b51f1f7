/**
 * HMAC-SHA-256 through `node:crypto`: what the `node` export condition of `pocketbase-auth/ssr` uses (Node, Bun and
 * Deno all provide it). Tags are the same bytes as the `@noble/hashes` one, so a cookie signed in Edge middleware
 * opens in a Node server component and the other way round.
 * @module
 */
import { createHmac } from 'node:crypto'
import type { HmacSha256 } from './hmac-sha256.js'

/**
 * HMAC-SHA-256 by `node:crypto`.
 *
 * @param key - the key
 * @param message - the bytes to authenticate
 * @returns the 32-byte tag
 * @example
 * ```ts
 * const tag = nodeHmacSha256(new TextEncoder().encode('key'), new TextEncoder().encode('message'))
 * ```
 */
export const nodeHmacSha256: HmacSha256 = (key, message) => createHmac('sha256', key).update(message).digest()
