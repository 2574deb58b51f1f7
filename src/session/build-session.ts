import { responseProblem } from '../errors/body-check.js'
import type { FailedExchange } from '../errors/auth-error.js'
import { readAuthTokenClaims } from './claims.js'
import type { AuthResponseBody } from './auth-response.js'
import type { AuthSession } from './types.js'

/** Where and when an auth response arrived. */
export interface ReceivedAuth {
  readonly body: AuthResponseBody
  /** Server clock minus ours (ms), see `serverClockOffsetMs`. */
  readonly clockOffsetMs: number
  /** Our clock when the response arrived. */
  readonly receivedAt: number
  /** For error messages. */
  readonly exchange: FailedExchange
}

/**
 * Builds an `AuthSession` from a sign-in or refresh response.
 *
 * @param received - the checked body, the server clock offset, arrival time and exchange
 * @param clockOffsetMs - the server clock offset to apply (the lifecycle passes 0 for an offset beyond
 * `maxClockSkewSeconds`); defaults to the measured `received.clockOffsetMs`
 * @returns a frozen session; `expiresAt` is the token's `exp` moved to our clock by the offset
 * @throws {UnexpectedResponseError} `unexpected_response` naming the claim that failed when the token is not a
 * PocketBase auth token, or that differs when it does not belong to the returned record (never quoting either).
 */
export function buildSession(
  received: ReceivedAuth,
  clockOffsetMs: number = received.clockOffsetMs,
): AuthSession {
  const { body, receivedAt, exchange } = received
  const claims = readAuthTokenClaims(body.token, exchange)
  const mismatch =
    claims.id !== body.record.id
      ? 'id'
      : claims.collectionId !== body.record.collectionId
        ? 'collectionId'
        : undefined
  if (mismatch !== undefined) {
    throw responseProblem(
      exchange,
      `the response token does not belong to the returned record (claim "${mismatch}" differs from record.${mismatch})`,
      { path: `token.${mismatch}`, message: `must equal record.${mismatch}` },
    )
  }
  return Object.freeze({
    token: body.token,
    // The record was parsed for this response alone: freeze it in place rather than copy it.
    record: Object.freeze(body.record),
    collectionId: body.record.collectionId,
    collectionName: body.record.collectionName,
    recordId: body.record.id,
    expiresAt: claims.exp * 1000 - clockOffsetMs,
    issuedAt: receivedAt,
    refreshable: claims.refreshable,
  })
}
