/**
 * Authentication of one request, for any framework: read the token, verify it, check the route's policy.
 * @module
 */
import { NotAuthenticatedError } from '../index.js'
import { readPresentedToken, type HeaderReader } from './credentials.js'
import type { VerifiedIdentity } from './identity.js'
import {
  checkAccess,
  checkVerifier,
  compilePolicy,
  type AccessPolicy,
  type AuthenticateOptions,
} from './policy.js'
import type { TokenVerifier } from './token-verifier.js'

/**
 * The framework-neutral core every adapter runs.
 *
 * @param readHeader - reads the request's headers
 * @param verifier - the token verifier
 * @param policy - the route's checked options
 * @param signal - aborts the wait (e.g. the client went away)
 * @returns the identity, or `null` for a request without a token on an `optional` route
 * @throws {AuthError} what `verifier.verify()` throws, and `forbidden` when the policy refuses the identity.
 */
export async function authenticateWith(
  readHeader: HeaderReader,
  verifier: TokenVerifier,
  policy: AccessPolicy,
  signal?: AbortSignal,
): Promise<VerifiedIdentity | null> {
  const token = readPresentedToken(readHeader, policy.cookieName)
  if (token === undefined) {
    if (policy.optional) return null
    throw new NotAuthenticatedError('authenticate: the request carries no token', { reason: 'token_missing' })
  }
  const identity = await verifier.verify(token, signal === undefined ? undefined : { signal })
  const denied = checkAccess(identity, policy)
  if (denied !== undefined) throw denied
  return identity
}

/**
 * Authenticates a Web-standard `Request` (Next.js route handlers, Bun, Deno, Cloudflare Workers, Hono): reads the
 * `Authorization: Bearer` token (or, with `cookie`, the session cookie of `pocketbase-auth/ssr`), verifies it and
 * checks the route's options. Turn a failure into the matching
 * answer with `problemResponse(error)`.
 *
 * @param request - the incoming request; its `signal` stops the wait when the client goes away
 * @param verifier - from `createTokenVerifier()`
 * @param options - what the route requires; see {@link AuthenticateOptions}
 * @returns the identity, or `null` for a request without a token when `optional` is set
 * @throws {NotAuthenticatedError} `not_authenticated` (`reason`: `token_missing`, `token_invalid`, `token_revoked`).
 * @throws {TokenExpiredError} `token_expired`.
 * @throws {AccessDeniedError} `forbidden` (`reason`: `collection_not_allowed`, `auth_rule_failed`, `not_verified`,
 * `insufficient_role`).
 * @throws {ConfigError} `config_invalid` for bad options (checked once per options object).
 * @throws {AuthError} `network`, `timeout`, `server_error`, `rate_limited`, `unexpected_response` when PocketBase
 * cannot answer; `aborted` when the request's signal aborts.
 * @example
 * ```ts
 * const verifier = createTokenVerifier({ url: 'http://127.0.0.1:8090' })
 * export async function GET(request: Request): Promise<Response> {
 *   try {
 *     const who = await authenticate(request, verifier, { requireVerified: true })
 *     return Response.json({ id: who?.recordId })
 *   } catch (error) {
 *     return problemResponse(error)
 *   }
 * }
 * ```
 */
export function authenticate<R extends string = string, P extends string = string>(
  request: Request,
  verifier: TokenVerifier,
  options?: AuthenticateOptions<R, P>,
): Promise<VerifiedIdentity | null> {
  let policy: AccessPolicy
  try {
    checkVerifier(verifier)
    policy = compilePolicy(options)
  } catch (error) {
    return Promise.reject(error)
  }
  return authenticateWith((name) => request.headers.get(name), verifier, policy, request.signal)
}
