import { AuthError, type AuthErrorOptions } from './auth-error.js'

/**
 * Why a token was not accepted, when `NotAuthenticatedError` comes from checking a token someone presented
 * (`pocketbase-auth/server`). The client's own "no session" errors have no reason.
 */
export type NotAuthenticatedReason =
  /** No token was presented (no `Authorization` header, or an empty one). */
  | 'token_missing'
  /** The token is malformed, forged, of another kind (a file or verification token), or its collection is gone. */
  | 'token_invalid'
  /**
   * PocketBase rejected a well-formed, unexpired token: its signature no longer matches because the password or
   * email changed, the collection's `authRule` or token secret changed, or the record was deleted.
   */
  | 'token_revoked'

/** Options of `NotAuthenticatedError`: those of every `AuthError`, plus an optional `reason`. */
export interface NotAuthenticatedErrorOptions extends AuthErrorOptions {
  /** Why the presented token was not accepted. @default undefined (no token was checked) */
  reason?: NotAuthenticatedReason
}

/**
 * There is no session and no `credentials` callback to create one (sign in first), or, from
 * `pocketbase-auth/server`, a presented token was missing, invalid or revoked (`reason` says which).
 */
export class NotAuthenticatedError extends AuthError {
  /** Always `'not_authenticated'`. */
  readonly code = 'not_authenticated' as const
  /** Why a presented token was not accepted; `undefined` when no token was checked (the client's errors). */
  readonly reason?: NotAuthenticatedReason

  /**
   * @param message - what failed and why; never a token
   * @param options - see {@link NotAuthenticatedErrorOptions}
   */
  constructor(message: string, options: NotAuthenticatedErrorOptions = {}) {
    const { reason, ...rest } = options
    super(message, rest)
    if (reason !== undefined) this.reason = reason
  }

  protected override details(): Record<string, unknown> {
    return this.reason === undefined ? {} : { reason: this.reason }
  }
}

/** The session's token expired or the server rejected it; the session has ended. Sign in again. */
export class TokenExpiredError extends AuthError {
  /** Always `'token_expired'`. */
  readonly code = 'token_expired' as const
}

/** `authRefresh()` was called for a token PocketBase will not refresh (impersonation tokens). */
export class TokenNotRefreshableError extends AuthError {
  /** Always `'token_not_refreshable'`. */
  readonly code = 'token_not_refreshable' as const
}

/**
 * The token expired and its refresh failed (network, server, or any answer other than a rejected token); `cause`
 * has the underlying error.
 */
export class RefreshFailedError extends AuthError {
  /** Always `'refresh_failed'`. */
  readonly code = 'refresh_failed' as const
}
