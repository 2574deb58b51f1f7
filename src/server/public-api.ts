/**
 * Everything `pocketbase-auth/server` exports besides its factory, shared by both builds (`index.ts` and
 * `node.ts`, which differ only in the hash they give the factory).
 * @module
 */
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
