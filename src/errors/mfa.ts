import { AuthError, type AuthErrorOptions } from './auth-error.js'

/** The auth method that succeeded as the first factor. */
export type FirstFactor = 'password' | 'otp' | 'oauth2'

/** Options of `MfaRequiredError`: those of every `AuthError`, plus the second factor when it is not PocketBase's. */
export interface MfaRequiredErrorOptions extends AuthErrorOptions {
  /**
   * Set when the second factor is not one of PocketBase's own methods: `'totp'` for `pocketbase-auth/totp`
   * (finish with `totp.signIn(auth, { mfaId, code })`). @default undefined (PocketBase MFA: OTP, password or
   * OAuth2 with `{ mfaId }`)
   */
  secondFactor?: 'totp' | undefined
}

/**
 * The first factor succeeded on an MFA-enabled collection; finish with another flow called with `{ mfaId }`.
 *
 * @example
 * ```ts
 * try { await auth.authWithPassword(email, password) }
 * catch (error) {
 *   if (!(error instanceof MfaRequiredError)) throw error
 *   const { otpId } = await auth.requestOTP(email)
 *   await auth.authWithOTP(otpId, code, { mfaId: error.mfaId })
 * }
 * ```
 */
export class MfaRequiredError extends AuthError {
  /** Always `'mfa_required'`. */
  readonly code = 'mfa_required' as const
  /** Pass this to the second factor. */
  readonly mfaId: string
  /** When the MFA session expires (epoch ms), if the collection's MFA duration is known. */
  readonly expiresAt?: number
  /** Which method was the first factor. */
  readonly firstFactor: FirstFactor
  /**
   * `'totp'` when the second factor is an authenticator-app code checked by `pocketbase-auth/totp` rather than
   * one of PocketBase's own methods; `mfaId` is then a sealed value that only `totp.signIn` reads. Absent for
   * PocketBase MFA. (The taxonomy's `mfa_required` already means "the first factor succeeded, another is needed";
   * this field says which one, so one `code` covers both kinds and a caller can still tell them apart.)
   */
  readonly secondFactor?: 'totp'

  /**
   * @param mfaId - the MFA session's id from PocketBase
   * @param firstFactor - the method that succeeded
   * @param expiresAt - when the MFA session expires (epoch ms), if known
   * @param options - see {@link MfaRequiredErrorOptions}
   */
  constructor(
    mfaId: string,
    firstFactor: FirstFactor,
    expiresAt: number | undefined,
    options?: MfaRequiredErrorOptions,
  ) {
    super(
      `MFA required: the ${firstFactor} factor succeeded; finish with ${options?.secondFactor === 'totp' ? 'a TOTP code' : 'another method'} and { mfaId }`,
      options,
    )
    this.mfaId = mfaId
    this.firstFactor = firstFactor
    if (expiresAt !== undefined) this.expiresAt = expiresAt
    if (options?.secondFactor !== undefined) this.secondFactor = options.secondFactor
  }

  protected override details(): Record<string, unknown> {
    const details = { mfaId: this.mfaId, firstFactor: this.firstFactor, expiresAt: this.expiresAt }
    return this.secondFactor === undefined ? details : { ...details, secondFactor: this.secondFactor }
  }
}
