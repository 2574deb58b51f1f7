/**
 * The repository's dev-only harness, on top of the public testing kit (`src/testing/`, published as
 * `pocketbase-auth/testing`): a real OpenID provider, a counting proxy, a browser stand-in for OAuth2
 * redirects, a standalone SMTP sink, and one-call helpers that configure collections for the project's own tests.
 * The PocketBase server itself (`startPocketBase`) comes from the kit.
 * @module
 */
export { startSmtpSink } from '../src/testing/smtp-sink.js'
export type { MailMatcher, SmtpSink } from '../src/testing/smtp-sink.js'
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
