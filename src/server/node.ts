/**
 * `pocketbase-auth/server` under Node (the `node` export condition; Bun and Deno resolve it too): the token verifier
 * hashes with `node:crypto`. Other runtimes get `./index.ts`, with a plain-JavaScript SHA-256; both export the same
 * names.
 * @module
 */
import { tokenVerifierFactory, type CreateTokenVerifier } from './create-token-verifier.js'
import { nodeSha256Hex } from './hash-node.js'

/**
 * Creates a verifier for the PocketBase tokens your backend receives. It checks each token locally (shape,
 * `type: auth`, expiry, collection), then asks PocketBase once (auth-refresh, which also catches revoked tokens
 * and records that no longer satisfy the collection's `authRule`), and remembers the answer for `cacheTtlSeconds`,
 * keyed by a SHA-256 of the token (`node:crypto` here). Concurrent checks of one token share one request.
 *
 * @param options - see {@link TokenVerifierOptions}; `url` is required
 * @returns the verifier
 * @throws {ConfigError} `config_invalid`, naming every bad option (or `POCKETBASE_TOTP_GATE`), never its value.
 * @example
 * ```ts
 * const verifier = createTokenVerifier({ url: 'http://127.0.0.1:8090', collections: ['users'], cacheTtlSeconds: 30 })
 * declare const token: string
 * const who = await verifier.verify(token)
 * console.log(who.recordId, who.role, who.superuser)
 * ```
 */
export const createTokenVerifier: CreateTokenVerifier = tokenVerifierFactory(nodeSha256Hex)

export * from './public-api.js'
