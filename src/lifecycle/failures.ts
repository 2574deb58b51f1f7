import { isAuthError, type AuthError } from '../errors/auth-error.js'
import { RateLimitedError } from '../errors/protocol.js'
import { retryDelayMs } from '../scheduler/backoff.js'

/** Failures worth retrying by themselves: the server may answer differently in a moment. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'network',
  'timeout',
  'server_error',
  'rate_limited',
  'unexpected_response',
])

/** Failures that mean the server could not be reached or could not answer: once it is back, try at once. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['network', 'timeout', 'server_error'])

/**
 * Whether a refresh or renewal that failed this way should be retried with backoff, keeping the session (also
 * past its expiry) instead of ending it. A `refresh_failed` counts when its cause does: it is how a parent tells
 * its impersonated children that it could not refresh during an outage.
 *
 * @param error - the failure
 * @returns `true` for network, timeout, 5xx, 429 and unreadable answers, and `refresh_failed` caused by one
 */
export function isTransient(error: AuthError): boolean {
  return TRANSIENT_CODES.has(error.code) || (error.code === 'refresh_failed' && transientCause(error))
}

/**
 * Whether a failure meant the server was unreachable, so that a caller whose token has expired should try again
 * at once rather than wait out the backoff (the server may be back). Rate limits and refreshes that made no
 * progress are waited out.
 *
 * @param error - the failure
 * @returns `true` for network, timeout and 5xx failures, and `refresh_failed` caused by one
 */
export function isUnreachable(error: AuthError): boolean {
  if (UNREACHABLE_CODES.has(error.code)) return true
  return error.code === 'refresh_failed' && isAuthError(error.cause) && isUnreachable(error.cause)
}

function transientCause(error: AuthError): boolean {
  return isAuthError(error.cause) && isTransient(error.cause)
}

/**
 * How long to wait before trying again after `failures` failures in a row, the last one `error`: the backoff, or
 * the server's `Retry-After` when `error` is a `rate_limited` that carried one (see `retryDelayMs`).
 *
 * @param error - the last failure
 * @param failures - failures in a row so far, from 1
 * @param noProgress - the last refresh answered with a token already expired by the local clock
 * @returns the delay in whole milliseconds
 */
export function retryDelayAfter(error: AuthError, failures: number, noProgress = false): number {
  const retryAfterMs = error instanceof RateLimitedError ? error.retryAfterMs : undefined
  return retryDelayMs(failures, { retryAfterMs, noProgress })
}
