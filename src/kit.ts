/**
 * The core's toolkit for the package's other entry points (`server`, `ssr`, `totp`, `admin`, `redis`,
 * `testing`): the one module besides `index.ts` they may import from the core (the lint step's dependency rules
 * enforce it). Not part of the public API: nothing here is exported to users, and names may change between
 * minor versions.
 * @module
 */
export {
  baseUrlProblem,
  checkOptions,
  DEFAULTS,
  ifDefined,
  MAX_TIMER_DELAY_MS,
  numberIn,
  resolveConfig,
} from './config.js'
export type { OptionCheck, ResolvedConfig } from './config.js'
export { collectionPath, GATE_HEADER, pocketBaseRequest } from './http/request.js'
export type { PocketBaseRequest, PocketBaseResponse } from './http/request.js'
export { InputCheck } from './flows/input.js'
export { isNonEmptyString, isObject } from './narrow.js'
export { raceAbort } from './abortable.js'
export { parseAuthResponse } from './session/auth-response.js'
export type { AuthResponseBody } from './session/auth-response.js'
export { buildSession } from './session/build-session.js'
export type { ReceivedAuth } from './session/build-session.js'
export { readAuthTokenClaims } from './session/claims.js'
export type { AuthTokenClaims } from './session/claims.js'
export { passwordSignIn } from './flows/password.js'
export { otpSignIn } from './flows/otp.js'
export { oauth2CodeSignIn, parseOAuth2Callback } from './flows/oauth2.js'
export { refreshRequest } from './flows/refresh.js'
export {
  clientConfig,
  runSignIn,
  stopBackgroundRefresh,
  tokenKeeperOf,
  whenClientDisposed,
} from './kit-client.js'
export type { TokenOrigin } from './lifecycle/token-keeper.js'
