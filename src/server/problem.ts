/**
 * Failures as HTTP answers: RFC 9457 problem details (`application/problem+json`), with RFC 6750's
 * `WWW-Authenticate: Bearer` on 401 and `Retry-After` on 503. The body never carries the token, the error's message
 * (which names PocketBase paths) or its cause: only a fixed text per case.
 * @module
 */
import { isAuthError, type AuthError } from '../index.js'

/** The JSON body of a problem answer (RFC 9457), with this package's `code` and `reason` as extension members. */
export interface ProblemBody {
  /** Always `'about:blank'`: the status says what happened. */
  readonly type: 'about:blank'
  /** The status's reason phrase, e.g. `Unauthorized`. */
  readonly title: string
  /** The HTTP status. */
  readonly status: number
  /** A fixed, human-readable explanation; never a token or a server path. */
  readonly detail: string
  /** The `AuthError` code, e.g. `token_expired`; `internal_error` for anything that is not an `AuthError`. */
  readonly code: string
  /** The error's `reason`, when it has one (e.g. `token_revoked`, `insufficient_role`). */
  readonly reason?: string
}

/** A problem answer, ready to be written by any framework. */
export interface Problem {
  readonly status: number
  /** `Content-Type`, `Cache-Control`, and `WWW-Authenticate` (401) or `Retry-After` (503). */
  readonly headers: Readonly<Record<string, string>>
  readonly body: ProblemBody
}

/** Seconds a client is asked to wait after a 503, when PocketBase did not say (it never sends `Retry-After`). */
export const DEFAULT_RETRY_AFTER_SECONDS = Object.freeze({ rateLimited: 10, unavailable: 5 })

const TITLES: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

const DETAILS: Readonly<Record<string, string>> = {
  token_missing: 'The request carries no access token.',
  token_invalid: 'The access token is malformed or is not a PocketBase auth token.',
  token_revoked: 'The access token is no longer valid; sign in again.',
  not_authenticated: 'Authentication is required.',
  token_expired: 'The access token has expired; refresh it or sign in again.',
  collection_not_allowed: 'Accounts of this kind may not use this resource.',
  auth_rule_failed: 'This account may not sign in at the moment.',
  not_verified: 'Verify your email address to use this resource.',
  insufficient_role: 'Your role does not allow this.',
  forbidden: 'Access to this resource is not allowed.',
  rate_limited: 'The authentication service is busy; try again later.',
  unavailable: 'The authentication service is unavailable; try again later.',
  config_invalid: 'The server is misconfigured.',
  internal_error: 'The server failed to authenticate the request.',
}

/** Codes that mean PocketBase could not give an answer: the request might succeed later. */
const UNAVAILABLE = new Set([
  'network',
  'timeout',
  'server_error',
  'unexpected_response',
  'aborted',
  'rate_limited',
])

/**
 * The HTTP answer for an authentication failure.
 *
 * @param error - what `authenticate()` or `verify()` threw (anything: a non-`AuthError` becomes a 500)
 * @returns status, headers and body: 401 for `not_authenticated` and `token_expired`, 403 for `forbidden`, 503 for
 * an unreachable, failing or rate-limited PocketBase, 500 otherwise
 */
export function describeProblem(error: unknown): Problem {
  if (!isAuthError(error)) return problem(500, 'internal_error', undefined, 'internal_error')
  const reason = readReason(error)
  switch (error.code) {
    case 'not_authenticated':
    case 'token_expired': {
      const detailKey = error.code === 'token_expired' ? 'token_expired' : (reason ?? 'not_authenticated')
      const body = problem(401, error.code, reason, detailKey)
      // RFC 6750 3.1: no error code when the request had no credentials at all.
      const challenge =
        reason === 'token_missing'
          ? 'Bearer'
          : `Bearer error="invalid_token", error_description="${body.body.detail}"`
      return { ...body, headers: { ...body.headers, 'WWW-Authenticate': challenge } }
    }
    case 'forbidden':
      return problem(403, 'forbidden', reason, reason ?? 'forbidden')
    case 'config_invalid':
      return problem(500, 'config_invalid', undefined, 'config_invalid')
    default:
      break
  }
  if (!UNAVAILABLE.has(error.code)) return problem(500, error.code, reason, 'internal_error')
  const rateLimited = error.code === 'rate_limited'
  const body = problem(503, error.code, undefined, rateLimited ? 'rate_limited' : 'unavailable')
  return { ...body, headers: { ...body.headers, 'Retry-After': String(retryAfterSeconds(error)) } }
}

/**
 * A Web `Response` for an authentication failure: RFC 9457 `application/problem+json`; 401 with
 * `WWW-Authenticate: Bearer` (and `error="invalid_token"` when a token was presented), 403, or 503 with
 * `Retry-After`. Never echoes the token.
 *
 * @param error - what `authenticate()` or `verify()` threw
 * @returns the response to send
 * @example
 * ```ts
 * declare const verifier: TokenVerifier
 * async function handle(request: Request): Promise<Response> {
 *   try {
 *     const who = await authenticate(request, verifier)
 *     return Response.json({ hello: who?.recordId })
 *   } catch (error) {
 *     return problemResponse(error)
 *   }
 * }
 * ```
 */
export function problemResponse(error: unknown): Response {
  const { status, headers, body } = describeProblem(error)
  return new Response(JSON.stringify(body), { status, headers })
}

function problem(status: number, code: string, reason: string | undefined, detailKey: string): Problem {
  const body: ProblemBody = {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail: DETAILS[detailKey] ?? DETAILS.internal_error ?? '',
    code,
    ...(reason === undefined ? {} : { reason }),
  }
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json', 'Cache-Control': 'no-store' },
    body,
  }
}

/** The error's `reason` field, when it has a string one. */
function readReason(error: AuthError): string | undefined {
  const reason = (error as { reason?: unknown }).reason
  return typeof reason === 'string' ? reason : undefined
}

function retryAfterSeconds(error: AuthError): number {
  const waitMs = (error as { retryAfterMs?: unknown }).retryAfterMs
  if (typeof waitMs === 'number' && Number.isFinite(waitMs) && waitMs > 0)
    return Math.max(1, Math.ceil(waitMs / 1000))
  return error.code === 'rate_limited'
    ? DEFAULT_RETRY_AFTER_SECONDS.rateLimited
    : DEFAULT_RETRY_AFTER_SECONDS.unavailable
}
