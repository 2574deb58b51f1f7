/**
 * Everything `pocketbase-auth/ssr` exports besides its factory, shared by both builds (`index.ts` and
 * `node.ts`, which differ only in the hash they give the factory).
 * @module
 */
export { parseCookieHeader, serializeCookie } from './cookie-header.js'
export type { CookieAttributes, CookieToSet, RequestCookie } from './cookie-header.js'
export type { RequestCookies } from './cookie-jar.js'
export type { CreateRequestAuth } from './create-request-auth.js'
export { COOKIE_SECRET_ENV, MIN_SECRET_BYTES } from './keys.js'
export { GATE_SECRET_ENV, REQUEST_AUTH_DEFAULTS } from './options.js'
export type { RequestAuthOptions, SessionCookieOptions } from './options.js'
export { RequestAuthClient } from './request-auth-client.js'
export type { PendingSignIn } from './request-auth-client.js'
export { DEFAULT_COOKIE_NAME } from './session-cookie-value.js'
export type { PendingMfa, PendingOTP } from './sign-in-cookies.js'
