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

const MFA_MESSAGES: Readonly<Record<string, InvalidCredentialsReason>> = {
  'A different authentication method is required.': 'mfa_same_method',
  'Invalid or expired MFA session.': 'mfa_session_invalid',
  'Invalid MFA session.': 'mfa_session_mismatch',
}

/**
 * Maps one non-2xx PocketBase response to exactly one `AuthError`.
 * PocketBase only distinguishes many cases by message, so the known messages are matched here, in one place.
 *
 * @param exchange - the failed exchange, with its status and parsed body
 * @param context - the endpoint's kind, whether a token was sent, and `Retry-After`
 * @returns the error to throw; this function never throws it itself
 */
export function errorFromResponse(
  exchange: FailedExchange & { status: number },
  context: ResponseContext,
): AuthError {
  const { status, body } = exchange
  const serverMessage = readText(body, 'message')
  const where = `${exchange.method} ${exchange.path} (${status})`
  const options = { status, exchange }

  if (status === 401) {
    const mfaId = readText(body, 'mfaId')
    if (mfaId !== undefined && context.endpoint.kind === 'sign-in') {
      return new MfaRequiredError(mfaId, context.endpoint.factor, undefined, options)
    }
    return context.sentToken
      ? new TokenExpiredError(`${where}: the server rejected the session token; sign in again`, options)
      : new NotAuthenticatedError(`${where}: this call needs a signed-in session`, options)
  }
  if (status === 400) return badRequest(where, serverMessage, body, context, options)
  if (status === 403)
    return new ForbiddenError(`${where}: ${explainForbidden(serverMessage, exchange.path)}`, options)
  if (status === 404) return new NotFoundError(`${where}: ${serverMessage ?? 'not found'}`, options)
  if (status === 429) {
    return new RateLimitedError(
      `${where}: ${serverMessage ?? 'too many requests'}`,
      parseRetryAfter(context.retryAfter),
      options,
    )
  }
  if (status >= 500) return new ServerError(`${where}: ${serverMessage ?? 'server error'}`, options)
  return new UnexpectedResponseError(`${where}: unexpected status`, options)
}

function badRequest(
  where: string,
  serverMessage: string | undefined,
  body: unknown,
  context: ResponseContext,
  options: { status: number; exchange: FailedExchange },
): AuthError {
  const fieldErrors = flattenFieldErrors(readData(body))
  const message = `${where}: ${serverMessage ?? 'bad request'}`
  if (Object.keys(fieldErrors).length > 0) return new ValidationError(message, fieldErrors, options)
  const mfaReason = serverMessage === undefined ? undefined : MFA_MESSAGES[serverMessage]
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

function explainForbidden(serverMessage: string | undefined, path: string): string {
  const disabled = serverMessage?.match(/not configured to allow (.+) authentication/)
  const collection = path.match(/^\/api\/collections\/([^/]+)\//)?.[1]
  if (disabled?.[1] !== undefined && collection !== undefined) {
    return `${disabled[1]} authentication is not enabled on collection "${decodeURIComponent(collection)}"`
  }
  if (serverMessage === AUTH_RULE_REFUSED && collection !== undefined) {
    return (
      `the authRule of collection "${decodeURIComponent(collection)}" refused it (behind a TOTP gate, a user ` +
      'with TOTP signs in only through the backend: totp.signIn, or a client with its gateSecret)'
    )
  }
  return serverMessage ?? 'forbidden'
}

/** A non-empty string field of a response body (`message`, `mfaId`), else `undefined`. */
function readText(body: unknown, field: 'message' | 'mfaId'): string | undefined {
  const value = isObject(body) ? body[field] : undefined
  return isNonEmptyString(value) ? value : undefined
}

function readData(body: unknown): unknown {
  return isObject(body) ? body.data : undefined
}

/**
 * Flattens PocketBase's (possibly nested) `data` object into `{ 'a.b.c': { code, message } }`.
 *
 * @param data - PocketBase's `data` object, untrusted
 * @param prefix - the dotted path of `data` itself (default `''`)
 * @returns field errors by dotted path; `{}` when `data` is not an object
 */
export function flattenFieldErrors(data: unknown, prefix = ''): Record<string, FieldError> {
  const result: Record<string, FieldError> = {}
  if (typeof data !== 'object' || data === null) return result
  for (const [key, value] of Object.entries(data)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    if (typeof value !== 'object' || value === null) continue
    const { code, message } = value as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && typeof message === 'string') result[path] = { code, message }
    else Object.assign(result, flattenFieldErrors(value, path))
  }
  return result
}

function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined
  if (/^\s*[-+]?\d/.test(header)) {
    const seconds = Number(header)
    return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined
  }
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}
