/**
 * `pocketbase-auth/totp`: authenticator-app codes (TOTP, RFC 6238) as a second factor that PocketBase itself
 * enforces through an `authRule` gate, for a backend that holds a superuser.
 * @module
 */
export { createTotp, Totp } from './totp.js'
export { TOTP_DEFAULTS } from './options.js'
export type { TotpOptions } from './options.js'
export type { InstallOptions, InstallResult } from './install.js'
export type {
  BeginEnrollmentOptions,
  BeginEnrollmentResult,
  ConfirmEnrollmentOptions,
  ConfirmEnrollmentResult,
  TotpStatus,
} from './enrollment.js'
export type { TotpOAuth2FirstFactor, TotpSignInInput } from './sign-in.js'
export type { TotpVerifyResult } from './verify.js'
