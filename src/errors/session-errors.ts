import { AuthError } from './auth-error.js'

/** There is no session and no `credentials` callback to create one. Sign in first. */
export class NotAuthenticatedError extends AuthError {
  /** Always `'not_authenticated'`. */
  readonly code = 'not_authenticated' as const
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
