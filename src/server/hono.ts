/**
 * The Hono adapter (Hono 4, any runtime). Typed structurally: this module imports nothing from `hono`.
 * @module
 */
import { isAuthError } from '../index.js'
import { authenticateWith } from './authenticate.js'
import type { VerifiedIdentity } from './identity.js'
import { checkVerifier, compilePolicy, type AuthenticateOptions } from './policy.js'
import { problemResponse } from './problem.js'
import type { TokenVerifier } from './token-verifier.js'

// Types `c.get('auth')` in your app. The framework is an optional peer dependency: where it is not installed, this
// augmentation must not break a build. In the published declaration files it does not (augmenting a missing
// module is not an error in a declaration file); in a compilation of this source that does not load the framework
// (tsup's declaration build of the entry) it is TS2664, hence the directive.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore TS2664 when the framework is not installed
declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `honoAuth()`: who sent the request, or `null` for a guest on an `optional` route. */
    auth: VerifiedIdentity | null
  }
}

/** The parts of a Hono `Context` the middleware uses. */
export interface HonoContextLike {
  readonly req: { readonly raw: Request }
  set(key: 'auth', value: VerifiedIdentity | null): void
}

/** A Hono middleware: `app.use('/api/*', honoAuth(verifier))`, or per route. */
export type HonoAuthMiddleware = (
  c: HonoContextLike,
  next: () => Promise<void>,
) => Promise<Response | undefined>

/**
 * Hono middleware that verifies the request's `Authorization: Bearer` token and sets the identity as
 * `c.get('auth')`. Failures are answered with `problemResponse(error)`; anything that is not an `AuthError` is
 * thrown on to Hono's `onError`.
 *
 * @param verifier - from `createTokenVerifier()`
 * @param options - what the route requires; see {@link AuthenticateOptions}
 * @returns the middleware
 * @throws {ConfigError} `config_invalid` at once for bad options or something other than a verifier.
 * @example
 * ```ts
 * import { Hono } from 'hono'
 * const app = new Hono()
 * const verifier = createTokenVerifier({ url: 'http://127.0.0.1:8090' })
 * app.use('/api/*', honoAuth(verifier))
 * app.get('/api/me', (c) => c.json({ id: c.get('auth')?.recordId }))
 * ```
 */
export function honoAuth<R extends string = string, P extends string = string>(
  verifier: TokenVerifier,
  options?: AuthenticateOptions<R, P>,
): HonoAuthMiddleware {
  checkVerifier(verifier)
  const policy = compilePolicy(options)
  return async (c, next) => {
    let identity: VerifiedIdentity | null
    try {
      const request = c.req.raw
      identity = await authenticateWith((name) => request.headers.get(name), verifier, policy, request.signal)
    } catch (error) {
      if (!isAuthError(error)) throw error
      return problemResponse(error)
    }
    c.set('auth', identity)
    await next()
    return undefined
  }
}
