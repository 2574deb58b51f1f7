/**
 * The `forbidden` error of the server entry, with a reason a backend (and its client) can act on.
 * @module
 */
import { ForbiddenError, type AuthErrorOptions } from '../index.js'

/** Why a verified token was refused access. */
export type AccessDeniedReason =
  /** The token belongs to an auth collection that this verifier or route does not accept. */
  | 'collection_not_allowed'
  /** PocketBase refused the token (HTTP 403): the record no longer satisfies the collection's `authRule`. */
  | 'auth_rule_failed'
  /** The route needs a verified email (`requireVerified`) and the record is not verified. */
  | 'not_verified'
  /** The record's role is below `minRole`, not in `anyRole`, or does not grant `permission`. */
  | 'insufficient_role'

/**
 * A verified identity may not do this (HTTP 403). A `ForbiddenError` (code `forbidden`) with a `reason`.
 *
 * @example
 * ```ts
 * if (error instanceof AccessDeniedError && error.reason === 'not_verified') showVerifyEmailHint()
 * ```
 */
export class AccessDeniedError extends ForbiddenError {
  /** Why access was refused. */
  readonly reason: AccessDeniedReason

  /**
   * @param message - what was refused and why; never a token
   * @param reason - why access was refused
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, reason: AccessDeniedReason, options?: AuthErrorOptions) {
    super(message, options)
    this.reason = reason
  }

  protected override details(): Record<string, unknown> {
    return { reason: this.reason }
  }
}
