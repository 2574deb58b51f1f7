/**
 * `pocketbase-auth/ssr`: PocketBase sessions for server-rendered web apps, in cookies, with a client per request.
 * This build signs cookies with `@noble/hashes`'s HMAC-SHA-256 (plain JavaScript: Edge runtimes, Workers);
 * under Node the `node` export condition picks `./node.ts`, which uses `node:crypto`. Both export the same names
 * and read each other's cookies.
 * @module
 */
import { requestAuthFactory, type CreateRequestAuth } from './create-request-auth.js'
import { hmacSha256 } from './hmac-sha256.js'

/**
 * Creates an `AuthClient` for one server request, with the session in the request's cookies. Nothing runs in the
 * background. The session is read from the signed `pb_auth` cookie (or the official SDK's `pb_auth`, confirmed
 * with PocketBase first) on first use, and every change (sign-in, refresh, sign-out) is written back through
 * `cookies.setAll` at once: `HttpOnly`, `Secure` (not on `http://localhost`), `SameSite=Lax`, `Path=/`, `Max-Age`
 * the token's remaining life, split into numbered cookies of at most 4 kB when it does not fit one.
 *
 * @param options - see {@link RequestAuthOptions}; `url` and `cookies` are required, and a cookie `secret` (or
 * `POCKETBASE_COOKIE_SECRET`) of at least 32 bytes
 * @returns the request's client
 * @throws {ConfigError} `config_invalid`, naming every bad option (or environment variable), never its value.
 * @example
 * ```ts
 * declare const request: Request
 * const headers = new Headers()
 * const auth = createRequestAuth({
 *   url: 'http://127.0.0.1:8090',
 *   requestUrl: request.url,
 *   cookies: {
 *     getAll: () => parseCookieHeader(request.headers.get('cookie')),
 *     setAll: (cookies) => cookies.forEach((cookie) => headers.append('Set-Cookie', serializeCookie(cookie))),
 *   },
 * })
 * const session = await auth.getSession()
 * ```
 */
export const createRequestAuth: CreateRequestAuth = requestAuthFactory(hmacSha256)

export * from './public-api.js'
