/**
 * `pocketbase-auth/admin`: superuser helpers for setting up auth (sign-in methods, OAuth2 providers from OpenID
 * discovery, test mail, rate limits, API keys and their revocation), and a pool of impersonated children for a job
 * that acts for many users (`createImpersonationPool`).
 * @module
 */
export { Admin, createAdmin } from './admin.js'
export type { AuthSettings, ConfigureAuthOptions, OAuth2ProviderSettings } from './auth-settings.js'
export type { OAuth2ProviderOptions } from './oauth2-provider.js'
export type {
  RateLimitRule,
  RateLimits,
  SetRateLimitsOptions,
  TestEmailOptions,
  TestEmailTemplate,
} from './settings.js'
export type { ApiKey, CreateApiKeyOptions, RevokeTokensOptions } from './tokens.js'
export { createImpersonationPool } from './impersonation-pool.js'
export type { ImpersonationPool, ImpersonationPoolOptions } from './impersonation-pool.js'
