/**
 * The real-parts dev harness: a real PocketBase, SMTP sink, OpenID provider and counting proxy on loopback.
 * @module
 */
export { startPocketBase, findPocketBaseBinary } from './pocketbase.js'
export type { PocketBaseHandle, StartPocketBaseOptions } from './pocketbase.js'
export { PocketBaseApiError, superuserApi } from './superuser-api.js'
export type { HttpMethod, SuperuserApi } from './superuser-api.js'
export { startSmtpSink, extractOtpCode, extractActionToken } from './smtp-sink.js'
export type { SmtpSink, MailMatcher, ActionKind } from './smtp-sink.js'
export { parseMail } from './mime.js'
export type { Mail, Envelope } from './mime.js'
export { startOidcProvider } from './oidc-provider.js'
export type { OidcProvider, OidcUser } from './oidc-provider.js'
export { followAuthorize } from './browser.js'
export {
  configureSmtp,
  enableOtp,
  enableMfa,
  setAuthTokenDuration,
  configureOidc,
  enableRateLimits,
  disableRateLimits,
} from './configure.js'
export type {
  SuperuserClient,
  CollectionModel,
  RateLimitRule,
  SettingsModel,
  OidcProviderConfig,
} from './configure.js'
export { createAuthCollection, createBaseCollection, createUser, getCollection } from './collections.js'
export type { FieldSpec, CollectionRules, AuthRecord, CreatedUser } from './collections.js'
export { startCountingProxy } from './counting-proxy.js'
export type { CountingProxy } from './counting-proxy.js'
