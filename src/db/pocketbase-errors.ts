import type { AuthError } from '../errors/auth-error.js'
import { errorFromResponse } from '../errors/from-response.js'
import { requestLabel, urlForMessages } from '../errors/request-label.js'
import { cleanServerText } from '../errors/server-text.js'
import { AbortedError, NetworkError, TimeoutError } from '../errors/transport.js'

/** The parts of the `pocketbase` SDK's `ClientResponseError` we read (duck-typed: it may come from any copy). */
interface ClientResponseErrorLike {
  readonly status: number
  readonly response: unknown
  readonly isAbort: boolean
  readonly originalError?: unknown
  /** The response's URL (the SDK sets it for HTTP errors; `''` when no response arrived). */
  readonly url?: unknown
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
 * The SDK's error is kept as `cause` only when it carries no response body (a body may hold a token). Every
 * message names the method and the request's URL (origin and path, never the query string or credentials):
 * the response's URL when the SDK got one, else `baseUrl` + `path`, else `path` alone.
 *
 * @param error - what the SDK threw
 * @param method - the HTTP method, for the message
 * @param path - the request path without query string
 * @param abort - whether the adapter's timer fired or the caller aborted, and the timeout in ms; absent for
 * an error the SDK raised without a request of ours
 * @param baseUrl - the client's base URL, so that a request that got no response (refused, DNS) still names
 * its host; absent, such a message names the path only
 * @returns `timeout`, `aborted` or `network` errors for those cases, else the error for the response's status
 * @example
 * ```ts
 * throw fromPocketBaseError(error, 'GET', '/api/collections/posts/records', state, 'https://pb.example.com')
 * ```
 */
export function fromPocketBaseError(
  error: unknown,
  method: string,
  path: string,
  abort?: AbortState,
  baseUrl?: string,
): AuthError {
  const url = requestUrl(error, path, baseUrl)
  const where = requestLabel({ method, path, ...(url === undefined ? {} : { url }) })
  if (abort?.timedOut === true) {
    return new TimeoutError(`${where}: no complete response within ${abort.timeoutMs} ms`)
  }
  if (abort?.aborted === true) return new AbortedError(`${where}: aborted by the caller`)
  if (!isClientResponseError(error)) {
    return new NetworkError(`${where}: request failed`, { cause: error })
  }
  if (error.isAbort) return new AbortedError(`${where}: aborted`)
  if (error.status === 0) {
    return new NetworkError(`${where}: network error${describeCause(error.originalError)}`, {
      cause: error.originalError,
    })
  }
  return errorFromResponse(
    { method, path, ...(url === undefined ? {} : { url }), status: error.status, body: error.response },
    { endpoint: { kind: 'other' }, sentToken: true },
  )
}

/** The URL for messages: the SDK's (the response's) when it has one, else `baseUrl` + `path`; no query. */
function requestUrl(error: unknown, path: string, baseUrl: string | undefined): string | undefined {
  const reported = isClientResponseError(error) ? error.url : undefined
  if (typeof reported === 'string' && reported !== '') {
    const url = urlForMessages(reported)
    if (url !== undefined) return url
  }
  return baseUrl === undefined ? undefined : urlForMessages(baseUrl.replace(/\/+$/, '') + path)
}

/** ` (ECONNREFUSED)` from a `fetch` failure's cause, bounded and cleaned; `''` when there is no code. */
function describeCause(originalError: unknown): string {
  const cause =
    originalError instanceof Error ? (originalError.cause as { code?: unknown } | undefined) : undefined
  return typeof cause?.code === 'string' ? ` (${cleanServerText(cause.code, 64)})` : ''
}
