/**
 * Asks PocketBase whether a token is still good, with the cheapest request that checks every kind of token:
 * `POST /api/collections/{collectionId}/auth-refresh`. PocketBase checks the signature (the record's `tokenKey` and
 * the collection's secret, so a changed password or email, a rotated secret and a deleted record all fail with
 * 401), evaluates the collection's `authRule` (403 when the record no longer satisfies it) and returns the record.
 * `?fields=record` leaves the refreshed token out of the answer: the verifier never holds a token it was not given.
 *
 * Impersonation tokens (`refreshable: false`): from PocketBase 0.29, auth-refresh confirms them like any other.
 * Before 0.29 it answers 403 "The current auth token is not refreshable." once the token has passed its signature
 * check; the record is then read with the token itself, which needs a `viewRule` that lets the record see itself.
 * @module
 */
import {
  ForbiddenError,
  NotAuthenticatedError,
  NotFoundError,
  TokenExpiredError,
  UnexpectedResponseError,
  type AuthError,
  type AuthRecord,
} from '../index.js'
import {
  collectionPath,
  isNonEmptyString,
  isObject,
  pocketBaseRequest,
  type AuthTokenClaims,
  type ResolvedConfig,
} from '../kit.js'
import { AccessDeniedError } from './access-denied.js'

/** PocketBase's answer, as far as it concerns the token. Outages, 5xx and 429 are thrown instead. */
export type Confirmation =
  | { readonly confirmed: true; readonly record: AuthRecord }
  /** PocketBase refused the token; the verifier remembers this for `rejectionTtlSeconds`. */
  | { readonly confirmed: false; readonly error: AuthError }

/** What pre-0.29 PocketBase answers (403) to auth-refresh with a valid impersonation token. */
const NOT_REFRESHABLE = 'The current auth token is not refreshable.'

/** PocketBase's 404 for an unknown collection, or a collection that is not an auth collection. */
const NO_SUCH_COLLECTION = /^Missing or invalid (auth )?collection context\.$/

/**
 * Confirms a token with PocketBase.
 *
 * @param config - connection settings
 * @param token - the presented token, already checked locally
 * @param claims - its claims
 * @param expiredBy - whether the token's `exp` is (nearly) past on this machine's clock: a 401 then means expired
 * @returns the record, or PocketBase's refusal
 * @throws {AuthError} `network`, `timeout`, `server_error`, `rate_limited` or `unexpected_response` when
 * PocketBase could not answer; never cached.
 */
export async function confirmToken(
  config: ResolvedConfig,
  token: string,
  claims: AuthTokenClaims,
  expiredBy: boolean,
): Promise<Confirmation> {
  const path = collectionPath(claims.collectionId, 'auth-refresh')
  try {
    const response = await pocketBaseRequest(config, {
      method: 'POST',
      path,
      query: { fields: 'record' },
      token,
      gated: true,
    })
    return {
      confirmed: true,
      record: matchingRecord(isObject(response.body) ? response.body.record : undefined, claims, path),
    }
  } catch (error) {
    if (error instanceof TokenExpiredError)
      return { confirmed: false, error: rejected(claims, expiredBy, error) }
    if (error instanceof ForbiddenError) {
      if (!claims.refreshable && serverMessage(error) === NOT_REFRESHABLE) {
        return confirmLegacyImpersonation(config, token, claims)
      }
      const message = `verify: PocketBase refused the token of record ${claims.id}: the record no longer satisfies the authRule of its collection (or the TOTP gate secret is missing)`
      return {
        confirmed: false,
        error: new AccessDeniedError(message, 'auth_rule_failed', { cause: error, status: 403 }),
      }
    }
    if (error instanceof NotFoundError && NO_SUCH_COLLECTION.test(serverMessage(error) ?? '')) {
      const message = `verify: the token names collection ${claims.collectionId}, which is not an auth collection of this PocketBase`
      return {
        confirmed: false,
        error: new NotAuthenticatedError(message, { reason: 'token_invalid', cause: error }),
      }
    }
    throw error
  }
}

/** PocketBase < 0.29 validated the impersonation token (else it would have answered 401); read its record. */
async function confirmLegacyImpersonation(
  config: ResolvedConfig,
  token: string,
  claims: AuthTokenClaims,
): Promise<Confirmation> {
  const path = collectionPath(claims.collectionId, `records/${encodeURIComponent(claims.id)}`)
  try {
    const response = await pocketBaseRequest(config, { method: 'GET', path, token })
    return { confirmed: true, record: matchingRecord(response.body, claims, path) }
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error
    const message = `verify: PocketBase < 0.29 confirmed the impersonation token of record ${claims.id}, but the collection's viewRule hides the record from itself; allow it (e.g. "id = @request.auth.id") or upgrade PocketBase`
    return { confirmed: false, error: new ForbiddenError(message, { cause: error, status: 403 }) }
  }
}

function rejected(claims: AuthTokenClaims, expiredBy: boolean, cause: AuthError): AuthError {
  if (expiredBy)
    return new TokenExpiredError(`verify: the token of record ${claims.id} has expired`, {
      cause,
      status: 401,
    })
  return new NotAuthenticatedError(
    `verify: PocketBase rejected the token of record ${claims.id} (revoked: password or email changed, record deleted, or the collection's token secret rotated)`,
    { reason: 'token_revoked', cause, status: 401 },
  )
}

/**
 * The record of a successful answer, checked to be the token's own: a record of another id or collection is
 * never accepted, whatever sits between this process and PocketBase.
 */
function matchingRecord(record: unknown, claims: AuthTokenClaims, path: string): AuthRecord {
  if (
    isObject(record) &&
    record.id === claims.id &&
    record.collectionId === claims.collectionId &&
    isNonEmptyString(record.collectionName)
  ) {
    return record as AuthRecord
  }
  throw new UnexpectedResponseError(
    `verify: the answer of ${path} has no record, or a record that does not match the token (id, collectionId, collectionName)`,
  )
}

function serverMessage(error: AuthError): string | undefined {
  const body = error.exchange?.body
  return isObject(body) && typeof body.message === 'string' ? body.message : undefined
}
