/**
 * What a verified token says about its holder.
 * @module
 */
import type { AuthRecord } from '../index.js'

/** The `_superusers` collection's name; it is a system collection and cannot be renamed. */
export const SUPERUSERS = '_superusers'

/** The id PocketBase gives the `_superusers` collection on every install. */
export const SUPERUSERS_ID = 'pbc_3142635823'

/**
 * Who sent a request, as PocketBase confirmed it. Frozen, record included: the same object serves every request
 * that carries the token while it is cached, so a handler cannot change what the next request sees.
 */
export interface VerifiedIdentity {
  /** The auth record as PocketBase returned it when it last confirmed the token (at most `cacheTtlSeconds` ago). */
  readonly record: AuthRecord
  /** The record id (the token's `id` claim). */
  readonly recordId: string
  /** The record's collection id, e.g. `_pb_users_auth_`. */
  readonly collectionId: string
  /** The record's collection name, e.g. `users` or `_superusers`. */
  readonly collectionName: string
  /** When the token expires (its `exp` claim), epoch ms on PocketBase's clock. */
  readonly expiresAt: number
  /** Whether the token belongs to a superuser (`_superusers`): above every role. */
  readonly superuser: boolean
  /** The record's role field (the verifier's `roleField`) when it holds a non-empty string, else `null`. */
  readonly role: string | null
  /** `false` for impersonation tokens (API keys), which PocketBase never extends. */
  readonly refreshable: boolean
}

/** The parts of an identity taken from the token's claims. */
export interface IdentityClaims {
  readonly id: string
  readonly collectionId: string
  readonly exp: number
  readonly refreshable: boolean
}

/**
 * Builds the frozen identity of a confirmed token.
 *
 * @param record - the record PocketBase returned; already checked to match the claims
 * @param claims - the token's claims
 * @param roleField - the record field that holds the role
 * @returns the identity; `record` itself is deep-frozen (it must be the caller's own object, fresh from JSON)
 */
export function buildIdentity(
  record: AuthRecord,
  claims: IdentityClaims,
  roleField: string,
): VerifiedIdentity {
  const role = record[roleField]
  return Object.freeze({
    record: deepFreeze(record),
    recordId: claims.id,
    collectionId: record.collectionId,
    collectionName: record.collectionName,
    expiresAt: claims.exp * 1000,
    superuser: record.collectionName === SUPERUSERS,
    role: typeof role === 'string' && role !== '' ? role : null,
    refreshable: claims.refreshable,
  })
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}
