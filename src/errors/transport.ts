import { AuthError } from './auth-error.js'

/**
 * No response arrived: connection refused or reset, DNS failure, or the body broke off mid-way.
 * Retrying later may help.
 */
export class NetworkError extends AuthError {
  /** Always `'network'`. */
  readonly code = 'network' as const
}

/** The request did not finish within `timeoutMs` (per request, body included). */
export class TimeoutError extends AuthError {
  /** Always `'timeout'`. */
  readonly code = 'timeout' as const
}

/** The caller aborted the call through its `signal`, or a later sign-in or `logout()` superseded it. */
export class AbortedError extends AuthError {
  /** Always `'aborted'`. */
  readonly code = 'aborted' as const
}
