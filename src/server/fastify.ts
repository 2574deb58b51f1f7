/**
 * The Fastify adapter (tested with Fastify 5; the hook API is the same in Fastify 4). Typed structurally: this
 * module imports nothing from `fastify`.
 * @module
 */
import { isAuthError } from '../index.js'
import { authenticateWith } from './authenticate.js'
import { headerValue } from './express.js'
import type { VerifiedIdentity } from './identity.js'
import { checkVerifier, compilePolicy, type AuthenticateOptions } from './policy.js'
import { describeProblem } from './problem.js'
import type { TokenVerifier } from './token-verifier.js'

// Types `request.auth` in your app. The framework is an optional peer dependency: where it is not installed, this
// augmentation must not break a build. In the published declaration files it does not (augmenting a missing
// module is not an error in a declaration file); in a compilation of this source that does not load the framework
// (tsup's declaration build of the entry) it is TS2664, hence the directive.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore TS2664 when the framework is not installed
declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `fastifyAuth()`: who sent the request, or `null` for a guest on an `optional` route. */
    auth?: VerifiedIdentity | null
  }
}

/** The parts of a Fastify request the hook uses. */
export interface FastifyRequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  auth?: VerifiedIdentity | null
}

/** The parts of a Fastify reply the hook uses to answer a failure. */
export interface FastifyReplyLike {
  code(statusCode: number): FastifyReplyLike
  header(name: string, value: string): FastifyReplyLike
  send(payload: string): FastifyReplyLike
}

/** A Fastify hook for `onRequest` (or `preHandler`), app-wide with `addHook` or per route. */
export type FastifyAuthHook = (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>

/**
 * Fastify hook that verifies the request's `Authorization: Bearer` token and puts the identity on `request.auth`.
 * Failures are answered with RFC 9457 problem details (401, 403, 503 with `Retry-After`); anything that is not an
 * `AuthError` is thrown on to Fastify's error handler.
 *
 * @param verifier - from `createTokenVerifier()`
 * @param options - what the route requires; see {@link AuthenticateOptions}
 * @returns the hook
 * @throws {ConfigError} `config_invalid` at once for bad options or something other than a verifier.
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * const app = Fastify()
 * const verifier = createTokenVerifier({ url: 'http://127.0.0.1:8090' })
 * app.decorateRequest('auth', null)
 * app.addHook('onRequest', fastifyAuth(verifier))
 * app.get('/me', async (request) => ({ id: request.auth?.recordId }))
 * ```
 */
export function fastifyAuth<R extends string = string, P extends string = string>(
  verifier: TokenVerifier,
  options?: AuthenticateOptions<R, P>,
): FastifyAuthHook {
  checkVerifier(verifier)
  const policy = compilePolicy(options)
  return async (request, reply) => {
    let identity: VerifiedIdentity | null
    try {
      identity = await authenticateWith((name) => headerValue(request.headers[name]), verifier, policy)
    } catch (error) {
      if (!isAuthError(error)) throw error
      const { status, headers, body } = describeProblem(error)
      reply.code(status)
      for (const [name, value] of Object.entries(headers)) reply.header(name, value)
      return reply.send(JSON.stringify(body))
    }
    request.auth = identity
    return undefined
  }
}
