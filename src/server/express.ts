/**
 * The Express adapter (tested with Express 5; Express 4 works alike: the middleware never rejects). Typed
 * structurally: this module imports nothing from `express`.
 * @module
 */
import { isAuthError } from '../index.js'
import { authenticateWith } from './authenticate.js'
import type { VerifiedIdentity } from './identity.js'
import { checkVerifier, compilePolicy, type AuthenticateOptions } from './policy.js'
import { describeProblem } from './problem.js'
import type { TokenVerifier } from './token-verifier.js'

declare global {
  // Express reads request properties from this global namespace; no import of `express` is needed.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `expressAuth()`: who sent the request, or `null` for a guest on an `optional` route. */
      auth?: VerifiedIdentity | null
    }
  }
}

/** The parts of an Express (or `node:http`) request the middleware uses. */
export interface ExpressRequestLike {
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  auth?: VerifiedIdentity | null
}

/** The parts of an Express (or `node:http`) response the middleware uses to answer a failure. */
export interface ExpressResponseLike {
  statusCode: number
  readonly headersSent: boolean
  setHeader(name: string, value: string): unknown
  end(body: string): unknown
}

/** An Express middleware: `app.use(expressAuth(verifier))`, or per route. */
export type ExpressAuthMiddleware = (
  req: ExpressRequestLike,
  res: ExpressResponseLike,
  next: (error?: unknown) => void,
) => Promise<void>

/**
 * Express middleware that verifies the request's `Authorization: Bearer` token and puts the identity on
 * `req.auth`. Failures are answered at once with RFC 9457 problem details: 401 (with `WWW-Authenticate`), 403, or
 * 503 with `Retry-After` when PocketBase is unreachable or rate-limits; anything that is not an `AuthError` goes to
 * `next(error)`.
 *
 * @param verifier - from `createTokenVerifier()`
 * @param options - what the route requires; see {@link AuthenticateOptions}
 * @returns the middleware
 * @throws {ConfigError} `config_invalid` at once for bad options or something other than a verifier (an unknown role, role options without `roles`…).
 * @example
 * ```ts
 * import express from 'express'
 * const app = express()
 * const verifier = createTokenVerifier({ url: 'http://127.0.0.1:8090' })
 * const roles = defineRoles({ permissions: { 'users:manage': 'admin' } })
 * app.get('/me', expressAuth(verifier), (req, res) => res.json({ id: req.auth?.recordId }))
 * app.use('/admin', expressAuth(verifier, { roles, minRole: 'admin' }))
 * ```
 */
export function expressAuth<R extends string = string, P extends string = string>(
  verifier: TokenVerifier,
  options?: AuthenticateOptions<R, P>,
): ExpressAuthMiddleware {
  checkVerifier(verifier)
  const policy = compilePolicy(options)
  return async (req, res, next) => {
    let identity: VerifiedIdentity | null
    try {
      identity = await authenticateWith((name) => headerValue(req.headers[name]), verifier, policy)
    } catch (error) {
      if (!isAuthError(error) || res.headersSent) return next(error)
      const { status, headers, body } = describeProblem(error)
      res.statusCode = status
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
      res.end(JSON.stringify(body))
      return
    }
    req.auth = identity
    next()
  }
}

/** A header value as one string; repeated headers are joined as `fetch` joins them. */
export function headerValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.join(', ')
}
