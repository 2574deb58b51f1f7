/**
 * Typed one-call helpers over a PocketBase handle's superuser API: SMTP, OTP, MFA, OAuth2, token durations
 * and rate limits (collections and users are in `collections.ts`).
 * @module
 */
import { patchCollection, type CollectionModel, type SuperuserClient } from '../src/testing/records.js'

export type { CollectionModel, SuperuserClient }

/** One rate-limit rule of `settings.rateLimits.rules`. */
export interface RateLimitRule {
  /** e.g. `*:auth`, `users:authWithPassword`, `/api/`. */
  label: string
  /** `''`, `'@guest'` or `'@auth'`. */
  audience?: '' | '@guest' | '@auth'
  durationSeconds: number
  maxRequests: number
}

/** Settings the helpers return (only what they read is typed). */
export type SettingsModel = Record<string, unknown>

/**
 * Point PocketBase's mailer at an SMTP sink and set the app meta used in mails and links.
 * @param options.appName - @default 'PocketBase Auth Test'
 * @param options.appURL - used in mailed links. @default the PocketBase URL when `pb` has one
 */
export function configureSmtp(
  pb: SuperuserClient & { url?: string },
  sink: { host: string; port: number },
  options: { appName?: string; appURL?: string; senderAddress?: string } = {},
): Promise<SettingsModel> {
  const meta = {
    appName: options.appName ?? 'PocketBase Auth Test',
    appURL: options.appURL ?? pb.url ?? 'http://localhost:8090',
    senderName: options.appName ?? 'PocketBase Auth Test',
    senderAddress: options.senderAddress ?? 'noreply@example.com',
  }
  const smtp = { enabled: true, host: sink.host, port: sink.port, tls: false, username: '', password: '' }
  return pb.api('PATCH', '/api/settings', { meta, smtp })
}

/**
 * Enable OTP on an auth collection, with the mail subject `Code {OTP}` so `extractOtpCode` finds it.
 * Mails are only sent (and OTPs only kept) once SMTP is configured.
 * @param options.duration - seconds, 10 to 86400. @default 300
 * @param options.length - digits, at least 4. @default 6
 */
export function enableOtp(
  pb: SuperuserClient,
  collection: string,
  options: { duration?: number; length?: number; subject?: string } = {},
): Promise<CollectionModel> {
  const otp = {
    enabled: true,
    duration: options.duration ?? 300,
    length: options.length ?? 6,
    emailTemplate: { subject: options.subject ?? 'Code {OTP}' },
  }
  return patchCollection(pb, collection, { otp })
}

/**
 * Enable MFA on an auth collection; a second method (OTP or OAuth2) must be enabled first.
 * @param options.duration - seconds an MFA session lasts. @default 600
 * @param options.rule - records that need MFA; `''` means all. @default ''
 */
export function enableMfa(
  pb: SuperuserClient,
  collection: string,
  options: { duration?: number; rule?: string } = {},
): Promise<CollectionModel> {
  const mfa = { enabled: true, duration: options.duration ?? 600, rule: options.rule ?? '' }
  return patchCollection(pb, collection, { mfa })
}

/** Set the lifetime of new auth tokens of a collection (10 to 94670856 seconds). */
export function setAuthTokenDuration(
  pb: SuperuserClient,
  collection: string,
  seconds: number,
): Promise<CollectionModel> {
  return patchCollection(pb, collection, { authToken: { duration: seconds } })
}

/** The endpoints and client credentials of an OpenID provider, e.g. from `startOidcProvider()`. */
export interface OidcProviderConfig {
  authURL: string
  tokenURL: string
  userInfoURL: string
  clientId: string
  clientSecret: string
}

/**
 * Enable OAuth2 on an auth collection with one provider named `oidc`; the provider's `name` claim is mapped
 * to the record's `name` field.
 * @param options.pkce - @default true
 * @param options.mappedName - record field that receives the name, `''` for none. @default 'name'
 */
export function configureOidc(
  pb: SuperuserClient,
  collection: string,
  provider: OidcProviderConfig,
  options: { pkce?: boolean; displayName?: string; mappedName?: string } = {},
): Promise<CollectionModel> {
  const { authURL, tokenURL, userInfoURL, clientId, clientSecret } = provider
  const oidc = { name: 'oidc', displayName: options.displayName ?? 'Local OIDC', pkce: options.pkce ?? true }
  const oauth2 = {
    enabled: true,
    mappedFields: { name: options.mappedName ?? 'name', avatarURL: '' },
    providers: [{ ...oidc, clientId, clientSecret, authURL, tokenURL, userInfoURL }],
  }
  return patchCollection(pb, collection, { oauth2 })
}

/**
 * Enable the rate limiter, optionally replacing its rules (the defaults include `*:auth`: 2 per 3 s).
 * Requests carrying a superuser token are exempt.
 */
export function enableRateLimits(pb: SuperuserClient, rules?: RateLimitRule[]): Promise<SettingsModel> {
  const rateLimits = rules
    ? {
        enabled: true,
        rules: rules.map((r) => ({
          label: r.label,
          audience: r.audience ?? '',
          duration: r.durationSeconds,
          maxRequests: r.maxRequests,
        })),
      }
    : { enabled: true }
  return pb.api('PATCH', '/api/settings', { rateLimits })
}

/** Turn the rate limiter off again (the rules are kept). */
export function disableRateLimits(pb: SuperuserClient): Promise<SettingsModel> {
  return pb.api('PATCH', '/api/settings', { rateLimits: { enabled: false } })
}
