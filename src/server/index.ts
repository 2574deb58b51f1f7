/**
 * `pocketbase-auth/server` for every runtime (browsers' workers, Deno, Bun, Cloudflare, edge functions): the token
 * verifier hashes with a plain-JavaScript SHA-256. Node (and anything resolving the `node` export condition) gets
 * `./node.ts` instead, which hashes with `node:crypto`; both export the same names.
 * @module
 */
import { tokenVerifierFactory, type CreateTokenVerifier } from './create-token-verifier.js'
import { sha256Hex } from './sha256.js'

/**
 * Creates a verifier for the PocketBase tokens your backend receives. It checks each token locally (shape,
 * `type: auth`, expiry, collection), then asks PocketBase once (auth-refresh, which also catches revoked tokens
 * and records that no longer satisfy the collection's `authRule`), and remembers the answer for `cacheTtlSeconds`,
 * keyed by a SHA-256 of the token (plain JavaScript here, `node:crypto` under Node). Concurrent checks of one token share one request.
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
export const createTokenVerifier: CreateTokenVerifier = tokenVerifierFactory(sha256Hex)

export * from './public-api.js'
