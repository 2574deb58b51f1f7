import { AuthError, type AuthErrorOptions } from './auth-error.js'

/** Why a sign-in was refused; PocketBase gives the same answer for a wrong password and an unknown user. */
export type InvalidCredentialsReason =
  /** Wrong identity or secret (or an unknown identity: PocketBase does not tell them apart). */
  | 'credentials'
  /** The MFA second factor used the same method as the first one. */
  | 'mfa_same_method'
  /** The `mfaId` is unknown, expired or already used. Start the sign-in again. */
  | 'mfa_session_invalid'
  /** The `mfaId` belongs to another record than the second factor. */
  | 'mfa_session_mismatch'

/** The server refused the sign-in. `reason` tells the MFA cases apart. */
export class InvalidCredentialsError extends AuthError {
  /** Always `'invalid_credentials'`. */
  readonly code = 'invalid_credentials' as const
  /** Which refusal this is. */
  readonly reason: InvalidCredentialsReason

  /**
   * @param message - what failed and why
   * @param reason - which refusal this is
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, reason: InvalidCredentialsReason, options?: AuthErrorOptions) {
    super(message, options)
    this.reason = reason
  }

  protected override details(): Record<string, unknown> {
    return { reason: this.reason }
  }
}

/** The OTP code is wrong, expired, already used, or its `otpId` is unknown. */
export class OTPInvalidError extends AuthError {
  /** Always `'otp_invalid'`. */
  readonly code = 'otp_invalid' as const
}

/** The server refused the action for this caller or collection (HTTP 403), e.g. a disabled auth method. */
export class ForbiddenError extends AuthError {
  /** Always `'forbidden'`. */
  readonly code = 'forbidden' as const
}

/** The collection, record or route does not exist (HTTP 404). */
export class NotFoundError extends AuthError {
  /** Always `'not_found'`. */
  readonly code = 'not_found' as const
}

/** One field-level problem reported by PocketBase. */
export interface FieldError {
  /** PocketBase's code, e.g. `validation_required`. */
  readonly code: string
  /** PocketBase's human-readable message. */
  readonly message: string
}

/** PocketBase rejected the submitted data (HTTP 400). `fieldErrors` is keyed by dotted field path. */
export class ValidationError extends AuthError {
  /** Always `'validation_failed'`. */
  readonly code = 'validation_failed' as const
  /** Field errors by dotted path, e.g. `password` or `authToken.duration`. */
  readonly fieldErrors: Readonly<Record<string, FieldError>>

  /**
   * @param message - what failed and why
   * @param fieldErrors - field errors by dotted path; may be empty
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, fieldErrors: Record<string, FieldError>, options?: AuthErrorOptions) {
    super(message, options)
    this.fieldErrors = fieldErrors
  }

  protected override details(): Record<string, unknown> {
    return { fieldErrors: this.fieldErrors }
  }
}

/** Too many requests (HTTP 429). PocketBase sends no `Retry-After`, so `retryAfterMs` is usually absent. */
export class RateLimitedError extends AuthError {
  /** Always `'rate_limited'`. */
  readonly code = 'rate_limited' as const
  /** How long to wait, when the server said so. */
  readonly retryAfterMs?: number

  /**
   * @param message - what failed and why
   * @param retryAfterMs - how long to wait (ms), when the server said so
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, retryAfterMs: number | undefined, options?: AuthErrorOptions) {
    super(message, options)
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs
  }

  protected override details(): Record<string, unknown> {
    return this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }
  }
}

/** The server failed (HTTP 5xx). Retrying later may help. */
export class ServerError extends AuthError {
  /** Always `'server_error'`. */
  readonly code = 'server_error' as const
}

/** One thing wrong with a response: which field, and what it must be. Never contains the field's value. */
export interface ResponseIssue {
  /**
   * The field's dotted path in the body or record, e.g. `record.collectionName`, `items.3.title` or the token
   * claim `token.exp`; `(body)` or `(record)` for the whole thing.
   */
  readonly path: string
  /** What is wrong, e.g. `must be a non-empty string`, or the message of your record schema. */
  readonly message: string
}

/** Options of `UnexpectedResponseError`. */
export interface UnexpectedResponseErrorOptions extends AuthErrorOptions {
  /** Every problem found in the response, by field. @default [] */
  issues?: readonly ResponseIssue[]
}

/**
 * The server answered something this SDK cannot read: malformed JSON, a redirect, a body larger than the size
 * limit, a body of the wrong shape, or a record your schema rejects (`issues` then names every field).
 */
export class UnexpectedResponseError extends AuthError {
  /** Always `'unexpected_response'`. */
  readonly code = 'unexpected_response' as const
  /** Every problem found in the response, by field path; empty when the whole response was unreadable. */
  readonly issues: readonly ResponseIssue[]

  /**
   * @param message - what failed and why; names fields, never their values
   * @param options - see {@link UnexpectedResponseErrorOptions}
   */
  constructor(message: string, options: UnexpectedResponseErrorOptions = {}) {
    super(message, options)
    this.issues = options.issues ?? []
  }

  protected override details(): Record<string, unknown> {
    return this.issues.length === 0 ? {} : { issues: this.issues }
  }
}
