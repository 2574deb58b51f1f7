import { decodeJwt, type JWTPayload } from 'jose'
import type { FailedExchange } from '../errors/auth-error.js'
import { responseProblem } from '../errors/body-check.js'
import { isNonEmptyString } from '../narrow.js'

/** The claims of a PocketBase auth token that the SDK relies on. */
export interface AuthTokenClaims {
  /** Record id. */
  readonly id: string
  /** Collection id of the record. */
  readonly collectionId: string
  /** Expiry, seconds since the epoch, on the server's clock. */
  readonly exp: number
  /** `false` for impersonation tokens. Absent in tokens of older PocketBase versions, which were refreshable. */
  readonly refreshable: boolean
}

/** The latest `exp` (seconds) whose time in milliseconds is still a valid `Date` (8.64e15 ms). */
const MAX_EXP_SECONDS = 8_640_000_000_000

/** One failed check: the claim (or `token` for the token's form) and what it must be. Never the value. */
interface ClaimProblem {
  readonly claim: string
  readonly problem: string
}

/**
 * Reads a PocketBase auth token's claims with jose's `decodeJwt` (without verifying: only the server holds the
 * key), then checks each claim the SDK relies on by name: `type` is `auth`, `id` and `collectionId` are
 * non-empty strings, `exp` is a positive number of seconds, `refreshable` is a boolean when present.
 *
 * Without `exchange` it answers whether `token` is a PocketBase auth token (`undefined` when not). With the
 * `exchange` the token arrived in, it throws instead, naming the claim that failed and never quoting the token.
 *
 * @param token - the token from an auth response
 * @param exchange - the request whose response carried the token (method, URL, status), named in the error
 * @returns the checked claims (`refreshable` is `true` when absent); `undefined` when the token is not a
 * PocketBase auth token and no `exchange` was given
 * @throws {UnexpectedResponseError} `unexpected_response` (only when `exchange` is given), e.g.
 * `POST https://pb.example.com/api/collections/users/auth-refresh: the response token is not a PocketBase auth
 * token: claim "exp" must be a positive number of seconds`, with `issues: [{ path: 'token.exp', … }]`.
 * @example
 * ```ts
 * const claims = readAuthTokenClaims(token) // undefined for a file token or garbage
 * const checked = readAuthTokenClaims(body.token, response.exchange) // throws naming the claim
 * ```
 */
export function readAuthTokenClaims(token: string): AuthTokenClaims | undefined
export function readAuthTokenClaims(token: string, exchange: FailedExchange): AuthTokenClaims
export function readAuthTokenClaims(token: string, exchange?: FailedExchange): AuthTokenClaims | undefined {
  const result = checkClaims(token)
  if (!('problem' in result)) return result
  if (exchange === undefined) return undefined
  const path = result.claim === 'token' ? 'token' : `token.${result.claim}`
  const subject = result.claim === 'token' ? 'it' : `claim "${result.claim}"`
  throw responseProblem(
    exchange,
    `the response token is not a PocketBase auth token: ${subject} ${result.problem}`,
    { path, message: result.problem },
  )
}

function checkClaims(token: string): AuthTokenClaims | ClaimProblem {
  const claims = decodePayload(token)
  if (claims === undefined) {
    return { claim: 'token', problem: 'must be a signed JWT whose payload is a JSON object' }
  }
  // Typed by jose, but only checked here: a claim may hold any JSON value.
  const { id, collectionId, exp, type, refreshable } = claims as Record<string, unknown>
  if (type !== 'auth') return { claim: 'type', problem: 'must be "auth"' }
  if (!isNonEmptyString(id)) return { claim: 'id', problem: 'must be a non-empty string' }
  if (!isNonEmptyString(collectionId)) return { claim: 'collectionId', problem: 'must be a non-empty string' }
  if (typeof exp !== 'number' || !(exp > 0 && exp <= MAX_EXP_SECONDS)) {
    return { claim: 'exp', problem: `must be a positive number of seconds, at most ${MAX_EXP_SECONDS}` }
  }
  if (refreshable !== undefined && typeof refreshable !== 'boolean') {
    return { claim: 'refreshable', problem: 'must be a boolean when present' }
  }
  return { id, collectionId, exp, refreshable: refreshable ?? true }
}

/**
 * jose's `decodeJwt`, or `undefined` when the token is not a JWS with a JSON-object payload. jose's message
 * would do no harm, but its `cause` (a `SyntaxError`) may quote the payload, so the error is dropped here.
 */
function decodePayload(token: string): JWTPayload | undefined {
  try {
    return decodeJwt(token)
  } catch {
    return undefined
  }
}
