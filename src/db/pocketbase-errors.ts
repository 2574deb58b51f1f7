import type { AuthError } from '../errors/auth-error.js'
import { errorFromResponse } from '../errors/from-response.js'
import { AbortedError, NetworkError, TimeoutError } from '../errors/transport.js'

/** The parts of the `pocketbase` SDK's `ClientResponseError` we read (duck-typed: it may come from any copy). */
interface ClientResponseErrorLike {
  readonly status: number
  readonly response: unknown
  readonly isAbort: boolean
  readonly originalError?: unknown
}

/**
 * Whether `value` looks like the `pocketbase` SDK's `ClientResponseError` (from any copy of the SDK).
 *
 * @param value - anything thrown
 * @returns `true` when it has a numeric `status`, a boolean `isAbort` and a `response`
 */
export function isClientResponseError(value: unknown): value is ClientResponseErrorLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { isAbort?: unknown }).isAbort === 'boolean' &&
    'response' in value
  )
}

/** How a db request ended, for telling a timeout from a caller abort. */
export interface AbortState {
  /** The adapter's time limit passed. */
  readonly timedOut: boolean
  /** The request's signal aborted: for the time limit when `timedOut`, else by the caller. */
  readonly aborted: boolean
  readonly timeoutMs: number
}

/**
 * Maps whatever the `pocketbase` SDK threw into exactly one `AuthError`; never `status: 0`.
 * The SDK's error is kept as `cause` only when it carries no response body (a body may hold a token).
 *
 * @param error - what the SDK threw
 * @param method - the HTTP method, for the message
 * @param path - the request path without query string
 * @param abort - whether the adapter's timer fired or the caller aborted, and the timeout in ms; absent for
 * an error the SDK raised without a request of ours
 * @returns `timeout`, `aborted` or `network` errors for those cases, else the error for the response's status
 */
export function fromPocketBaseError(
  error: unknown,
  method: string,
  path: string,
  abort?: AbortState,
): AuthError {
  const where = `${method} ${path}`
  if (abort?.timedOut === true) {
    return new TimeoutError(`${where}: no complete response within ${abort.timeoutMs} ms`)
  }
  if (abort?.aborted === true) return new AbortedError(`${where}: aborted by the caller`)
  if (!isClientResponseError(error)) {
    return new NetworkError(`${where}: request failed`, { cause: error })
  }
  if (error.isAbort) return new AbortedError(`${where}: aborted`)
  if (error.status === 0) {
    return new NetworkError(`${where}: network error`, { cause: error.originalError })
  }
  return errorFromResponse(
    { method, path, status: error.status, body: error.response },
    { endpoint: { kind: 'other' }, sentToken: true },
  )
}
