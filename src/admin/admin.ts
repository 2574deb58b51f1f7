import type { AuthClient } from '../index.js'
import {
  configureAuth,
  type AuthSettings,
  type ConfigureAuthOptions,
  type OAuth2ProviderSettings,
} from './auth-settings.js'
import { upsertOAuth2Provider, type OAuth2ProviderOptions } from './oauth2-provider.js'
import {
  setRateLimits,
  testEmail,
  type RateLimitRule,
  type RateLimits,
  type SetRateLimitsOptions,
  type TestEmailOptions,
} from './settings.js'
import { asSuperuser, type Superuser } from './superuser.js'
import {
  createApiKey,
  revokeTokens,
  type ApiKey,
  type CreateApiKeyOptions,
  type RevokeTokensOptions,
} from './tokens.js'

/**
 * Superuser helpers for setting up auth: sign-in methods, OAuth2 providers, mail, rate limits and API keys.
 * Secrets given to it (client secrets) go to PocketBase only: they are never returned, logged or put in an error.
 * Create it with `createAdmin()`.
 */
export class Admin {
  readonly #superuser: Superuser

  /** @internal Use `createAdmin()`. */
  constructor(superuser: AuthClient) {
    this.#superuser = asSuperuser(superuser, 'createAdmin')
  }

  /**
   * Changes what is given of an auth collection's sign-in settings; everything else stays.
   *
   * @param collection - the auth collection
   * @param options - `password`, `otp`, `mfa`, `oauth2` (without providers), `authToken`; see {@link ConfigureAuthOptions}
   * @returns the settings afterwards, without secrets
   * @throws {AuthError} `config_invalid` (before any request), `validation_failed` (PocketBase refused a value,
   * e.g. MFA without a second method), `not_found`, and the transport codes.
   * @example
   * ```ts
   * await admin.configureAuth('users', { otp: { enabled: true, duration: 300 }, mfa: { enabled: true } })
   * ```
   */
  configureAuth(collection: string, options: ConfigureAuthOptions): Promise<AuthSettings> {
    return configureAuth(this.#superuser, collection, options)
  }

  /**
   * Adds or replaces an OAuth2 provider; with `discoveryUrl` its endpoints come from the OpenID discovery
   * document. Every endpoint is checked to answer before anything changes.
   *
   * @param collection - the auth collection
   * @param options - see {@link OAuth2ProviderOptions}
   * @returns the provider as saved, without its secret
   * @throws {AuthError} `config_invalid`, `validation_failed` (an endpoint that does not answer, named),
   * `unexpected_response` (a discovery document without a needed field, named), `not_found`.
   * @example
   * ```ts
   * await admin.upsertOAuth2Provider('users', { name: 'oidc', clientId, clientSecret, discoveryUrl })
   * ```
   */
  upsertOAuth2Provider(collection: string, options: OAuth2ProviderOptions): Promise<OAuth2ProviderSettings> {
    return upsertOAuth2Provider(this.#superuser, collection, options)
  }

  /**
   * Sends a test mail through PocketBase: proves its SMTP settings.
   *
   * @param to - the address
   * @param options - the template and collection; see {@link TestEmailOptions}
   * @throws {AuthError} `config_invalid`, `validation_failed` (PocketBase could not send it, with its reason).
   * @example
   * ```ts
   * await admin.testEmail('ops@example.com')
   * ```
   */
  testEmail(to: string, options?: TestEmailOptions): Promise<void> {
    return testEmail(this.#superuser, to, options)
  }

  /**
   * Replaces the rate limiter's rules and turns it on.
   *
   * @param rules - every rule, e.g. `{ label: '*:auth', maxRequests: 2, duration: 3 }`
   * @param options - see {@link SetRateLimitsOptions}
   * @returns the limiter afterwards
   * @throws {AuthError} `config_invalid`, `validation_failed` (a rule PocketBase refuses, by field).
   * @example
   * ```ts
   * await admin.setRateLimits([{ label: '*:auth', maxRequests: 2, duration: 3 }])
   * ```
   */
  setRateLimits(rules: readonly RateLimitRule[], options?: SetRateLimitsOptions): Promise<RateLimits> {
    return setRateLimits(this.#superuser, rules, options)
  }

  /**
   * Issues a long-lived, non-refreshable token (an API key) for a service account's record.
   *
   * @param recordId - the record the key acts as
   * @param options - `collection` and `durationSeconds`; see {@link CreateApiKeyOptions}
   * @returns the token and its expiry (epoch ms)
   * @throws {AuthError} `config_invalid`, `not_found`.
   * @example
   * ```ts
   * const { token, expiresAt } = await admin.createApiKey(recordId, { collection: 'services', durationSeconds: 90 * 86400 })
   * ```
   */
  createApiKey(recordId: string, options: CreateApiKeyOptions): Promise<ApiKey> {
    return createApiKey(this.#superuser, recordId, options)
  }

  /**
   * Invalidates every token of a record: all its sessions and API keys (PocketBase cannot revoke one token).
   *
   * @param recordId - the record
   * @param options - the `collection`; see {@link RevokeTokensOptions}
   * @throws {AuthError} `config_invalid`, `not_found`.
   * @example
   * ```ts
   * await admin.revokeTokens(recordId, { collection: 'services' })
   * ```
   */
  revokeTokens(recordId: string, options?: RevokeTokensOptions): Promise<void> {
    return revokeTokens(this.#superuser, recordId, options)
  }
}

/**
 * Creates the admin helpers for a superuser client (one of `_superusers`, e.g. from `createAuthClientFromEnv()`).
 *
 * @param superuser - the client every request is made as
 * @returns the helpers
 * @throws {ConfigError} `config_invalid` (path `superuser`) when it is not a `_superusers` client.
 * @example
 * ```ts
 * const admin = createAdmin(superuser)
 * ```
 */
export function createAdmin(superuser: AuthClient): Admin {
  return new Admin(superuser)
}
