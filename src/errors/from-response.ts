import { isNonEmptyString, isObject } from '../narrow.js'
import type { AuthError, FailedExchange } from './auth-error.js'
import { MfaRequiredError, type FirstFactor } from './mfa.js'
import { OAuth2FailedError } from './oauth2.js'
import {
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  OTPInvalidError,
  RateLimitedError,
  ServerError,
  UnexpectedResponseError,
  ValidationError,
  type FieldError,
  type InvalidCredentialsReason,
} from './protocol.js'
import { requestLabel } from './request-label.js'
import { cleanServerText } from './server-text.js'
import { NotAuthenticatedError, TokenExpiredError } from './session-errors.js'

/** Which kind of endpoint answered; decides how an ambiguous PocketBase answer is read. */
export type EndpointKind =
  { readonly kind: 'sign-in'; readonly factor: FirstFactor } | { readonly kind: 'other' }

/** What `errorFromResponse` needs to know about the request. */
export interface ResponseContext {
  readonly endpoint: EndpointKind
  /** Whether the request carried an Authorization header. */
  readonly sentToken: boolean
  /** Value of a `Retry-After` header, if any. */
  readonly retryAfter?: string | null
}

/** PocketBase's MFA refusals, by exact message. A `Map`: a message such as `constructor` finds nothing. */
const MFA_MESSAGES: ReadonlyMap<string, InvalidCredentialsReason> = new Map([
  ['A different authentication method is required.', 'mfa_same_method'],
  ['Invalid or expired MFA session.', 'mfa_session_invalid'],
  ['Invalid MFA session.', 'mfa_session_mismatch'],
])

// Bounds on flattening a 400's `data` into `fieldErrors`. PocketBase nests field errors at most 4 levels deep
// (`rateLimits.rules.0.label`) and reports one per field; a body beyond these bounds is cut, never walked whole.
// Plain constants rather than one frozen object: the minifier writes each number where it is used.

/** Levels of nesting below `data` that are read; deeper objects are skipped. */
export const MAX_FIELD_ERROR_DEPTH = 16
/** Field errors kept; the rest are dropped. */
export const MAX_FIELD_ERRORS = 200
/** Object entries looked at in all, field errors or not. */
export const MAX_FIELD_ERROR_ENTRIES = 10_000
/** Characters kept of a field path; a longer path is cut and ends with `…`. */
export const MAX_FIELD_PATH_LENGTH = 200

/** The longest `mfaId` taken from a 401 (PocketBase's are 15 characters). */
const MAX_MFA_ID_LENGTH = 255

/**
 * Maps one non-2xx PocketBase response to exactly one `AuthError`.
 * PocketBase only distinguishes many cases by message, so the known messages are matched here, in one place.
 * Server text is compared whole but shown cut to `MAX_SERVER_TEXT_LENGTH` characters without control
 * characters, and only bounded strings ever meet a regular expression.
 *
 * @param exchange - the failed exchange, with its status, parsed body and (for messages) URL
 * @param context - the endpoint's kind, whether a token was sent, and `Retry-After`
 * @returns the error to throw; this function never throws it itself
 * @example
 * ```ts
 * const error = errorFromResponse({ method: 'GET', path, url, status: 404, body }, { endpoint: { kind: 'other' }, sentToken: true })
 * ```
 */
export function errorFromResponse(
  exchange: FailedExchange & { status: number },
  context: ResponseContext,
): AuthError {
  const { status, body } = exchange
  const serverMessage = readText(body, 'message')
  const shownMessage = serverMessage === undefined ? undefined : cleanServerText(serverMessage)
  const where = `${requestLabel(exchange)} (${status})`
  const options = { exchange }

  if (status === 401) {
    const mfaId = readText(body, 'mfaId')
    if (mfaId !== undefined && context.endpoint.kind === 'sign-in') {
      if (!isPlainId(mfaId)) {
        return new UnexpectedResponseError(
          `${where}: "response" body "mfaId" property must be 1 to ${MAX_MFA_ID_LENGTH} printable characters`,
          {
            ...options,
            issues: [{ path: 'mfaId', message: `must be 1 to ${MAX_MFA_ID_LENGTH} printable characters` }],
          },
        )
      }
      return new MfaRequiredError(mfaId, context.endpoint.factor, undefined, options)
    }
    return context.sentToken
      ? new TokenExpiredError(`${where}: the server rejected the session token; sign in again`, options)
      : new NotAuthenticatedError(`${where}: this call needs a signed-in session`, options)
  }
  if (status === 400) return badRequest(where, serverMessage, shownMessage, body, context, options)
  if (status === 403) {
    return new ForbiddenError(`${where}: ${explainForbidden(shownMessage, exchange.path)}`, options)
  }
  if (status === 404) {
    return new NotFoundError(`${where}: ${shownMessage ?? 'not found'}${apiApiHint(exchange)}`, options)
  }
  if (status === 429) {
    return new RateLimitedError(
      `${where}: ${shownMessage ?? 'too many requests'}`,
      parseRetryAfter(context.retryAfter),
      options,
    )
  }
  if (status >= 500) return new ServerError(`${where}: ${shownMessage ?? 'server error'}`, options)
  return new UnexpectedResponseError(`${where}: unexpected status`, options)
}

function badRequest(
  where: string,
  serverMessage: string | undefined,
  shownMessage: string | undefined,
  body: unknown,
  context: ResponseContext,
  options: { exchange: FailedExchange },
): AuthError {
  const fieldErrors = flattenFieldErrors(readData(body))
  const message = `${where}: ${shownMessage ?? 'bad request'}`
  if (Object.keys(fieldErrors).length > 0) return new ValidationError(message, fieldErrors, options)
  const mfaReason = serverMessage === undefined ? undefined : MFA_MESSAGES.get(serverMessage)
  if (mfaReason !== undefined) return new InvalidCredentialsError(message, mfaReason, options)
  if (serverMessage === 'Invalid or expired OTP.') return new OTPInvalidError(message, options)
  if (context.endpoint.kind === 'sign-in') {
    switch (context.endpoint.factor) {
      case 'password':
        return new InvalidCredentialsError(message, 'credentials', options)
      case 'otp':
        return new OTPInvalidError(message, options)
      case 'oauth2':
        return new OAuth2FailedError(message, undefined, options)
    }
  }
  return new ValidationError(message, {}, options)
}

/** PocketBase's answer when a collection's `authRule` refuses a sign-in or refresh. */
const AUTH_RULE_REFUSED = "The request doesn't satisfy the collection requirements to authenticate."

/**
 * Says which auth method is disabled on which collection. `shownMessage` is already cut to a bounded length,
 * and the pattern's group is bounded too, so the match costs at most a few thousand steps.
 */
function explainForbidden(shownMessage: string | undefined, path: string): string {
  const disabled = shownMessage?.match(/not configured to allow (\w{1,32}) authentication/)?.[1]
  const collection = /^\/api\/collections\/([^/]{1,512})\//.exec(path)?.[1]
  if (disabled !== undefined && collection !== undefined) {
    return `${disabled} authentication is not enabled on collection "${cleanServerText(safeDecode(collection))}"`
  }
  if (shownMessage === AUTH_RULE_REFUSED && collection !== undefined) {
    return `the authRule of "${cleanServerText(safeDecode(collection))}" refused it (a TOTP gate? sign in through totp.signIn)`
  }
  return shownMessage ?? 'forbidden'
}

/** A 404 for `…/api/api/…`: the base URL ended with `/api`, and every path of the SDK starts with `/api/`. */
function apiApiHint(exchange: FailedExchange): string {
  return (exchange.url ?? exchange.path).includes('/api/api/')
    ? " (the URL has /api/api/: the client's base URL must not end with /api; use the server's root URL)"
    : ''
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A non-empty string field of a response body (`message`, `mfaId`), else `undefined`. */
function readText(body: unknown, field: 'message' | 'mfaId'): string | undefined {
  const value = isObject(body) ? body[field] : undefined
  return isNonEmptyString(value) ? value : undefined
}

/** An id PocketBase could have made: bounded, printable ASCII without spaces. */
function isPlainId(value: string): boolean {
  return value.length <= MAX_MFA_ID_LENGTH && /^[\x21-\x7e]+$/.test(value)
}

function readData(body: unknown): unknown {
  return isObject(body) ? body.data : undefined
}

/**
 * Flattens PocketBase's (possibly nested) `data` object into `{ 'a.b.c': { code, message } }`, within
 * bounds: nesting deeper than {@link MAX_FIELD_ERROR_DEPTH} is skipped, and at most {@link MAX_FIELD_ERRORS} errors
 * and {@link MAX_FIELD_ERROR_ENTRIES} entries are read, so no body (however deep or wide) can exhaust the stack or
 * stall the loop.
 * Codes and messages are cut and stripped of control characters like any server text.
 *
 * @param data - PocketBase's `data` object, untrusted
 * @param prefix - the dotted path of `data` itself (default `''`)
 * @returns field errors by dotted path; `{}` when `data` is not an object
 * @example
 * ```ts
 * flattenFieldErrors({ authToken: { duration: { code: 'validation_min', message: 'Too short.' } } })
 * // { 'authToken.duration': { code: 'validation_min', message: 'Too short.' } }
 * ```
 */
export function flattenFieldErrors(data: unknown, prefix = ''): Record<string, FieldError> {
  const result: Record<string, FieldError> = {}
  const budget = { entries: MAX_FIELD_ERROR_ENTRIES, errors: MAX_FIELD_ERRORS }
  collectFieldErrors(data, prefix, 0, result, budget)
  return result
}

function collectFieldErrors(
  data: unknown,
  prefix: string,
  depth: number,
  result: Record<string, FieldError>,
  budget: { entries: number; errors: number },
): void {
  if (typeof data !== 'object' || data === null || depth > MAX_FIELD_ERROR_DEPTH) return
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue
    if (--budget.entries < 0 || budget.errors <= 0) return
    const value: unknown = (data as Record<string, unknown>)[key]
    if (typeof value !== 'object' || value === null) continue
    const path = cleanServerText(prefix === '' ? key : `${prefix}.${key}`, MAX_FIELD_PATH_LENGTH)
    const { code, message } = value as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && typeof message === 'string') {
      // defineProperty, not assignment: a key such as `__proto__` must stay a plain field.
      Object.defineProperty(result, path, {
        value: { code: cleanServerText(code), message: cleanServerText(message) },
        enumerable: true,
        writable: true,
        configurable: true,
      })
      budget.errors--
    } else {
      collectFieldErrors(value, path, depth + 1, result, budget)
    }
  }
}

/** The longest `retryAfterMs` taken from a server: what `setTimeout` can wait (2^31-1 ms, about 24.8 days). */
const MAX_RETRY_AFTER_MS = 2_147_483_647

function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined
  let delayMs: number
  if (/^\s*[-+]?\d/.test(header)) {
    const seconds = Number(header)
    if (!Number.isFinite(seconds) || seconds < 0) return undefined
    delayMs = Math.round(seconds * 1000)
  } else {
    const date = Date.parse(header)
    if (Number.isNaN(date)) return undefined
    delayMs = Math.max(0, date - Date.now())
  }
  return Math.min(delayMs, MAX_RETRY_AFTER_MS)
}
