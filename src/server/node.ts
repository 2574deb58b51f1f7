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

export { AccessDeniedError } from './access-denied.js'
export type { AccessDeniedReason } from './access-denied.js'
export { authenticate } from './authenticate.js'
export { tokenFromAuthorization } from './credentials.js'
export { expressAuth } from './express.js'
export type { ExpressAuthMiddleware, ExpressRequestLike, ExpressResponseLike } from './express.js'
export { fastifyAuth } from './fastify.js'
export type { FastifyAuthHook, FastifyReplyLike, FastifyRequestLike } from './fastify.js'
export { honoAuth } from './hono.js'
export type { HonoAuthMiddleware, HonoContextLike } from './hono.js'
export type { VerifiedIdentity } from './identity.js'
export type { AuthenticateOptions } from './policy.js'
export { DEFAULT_RETRY_AFTER_SECONDS, describeProblem, problemResponse } from './problem.js'
export type { Problem, ProblemBody } from './problem.js'
export { DEFAULT_ROLE_ORDER, defineRoles } from './roles.js'
export type { DefaultRole, RoleSubject, Roles, RolesDefinition } from './roles.js'
export type { TokenVerifier, TokenVerifierStats, VerifyOptions } from './token-verifier.js'
export { GATE_SECRET_ENV, VERIFIER_DEFAULTS } from './verifier-options.js'
export type { TokenVerifierOptions } from './verifier-options.js'
export type { CreateTokenVerifier } from './create-token-verifier.js'
