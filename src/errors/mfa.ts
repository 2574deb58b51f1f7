import { AuthError, type AuthErrorOptions } from './auth-error.js'

/** The auth method that succeeded as the first factor. */
export type FirstFactor = 'password' | 'otp' | 'oauth2'

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
   * @param mfaId - the MFA session's id from PocketBase
   * @param firstFactor - the method that succeeded
   * @param expiresAt - when the MFA session expires (epoch ms), if known
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(
    mfaId: string,
    firstFactor: FirstFactor,
    expiresAt: number | undefined,
    options?: AuthErrorOptions,
  ) {
    super(
      `MFA required: the ${firstFactor} factor succeeded; finish with another method and { mfaId }`,
      options,
    )
    this.mfaId = mfaId
    this.firstFactor = firstFactor
    if (expiresAt !== undefined) this.expiresAt = expiresAt
  }

  protected override details(): Record<string, unknown> {
    return { mfaId: this.mfaId, firstFactor: this.firstFactor, expiresAt: this.expiresAt }
  }
}
