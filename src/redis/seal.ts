/**
 * Sealing the shared session before it reaches Redis: compact JWE (`dir`, `A256GCM`) with a key derived from the
 * share's `sealKey`, so whatever Redis keeps or persists is ciphertext, and anything Redis hands back that this
 * fleet did not seal (or sealed for another scope) is refused.
 * @module
 */
import { createHash, hkdfSync } from 'node:crypto'
import { CompactEncrypt, compactDecrypt } from 'jose'
import type { AuthRecord, AuthSession } from '../index.js'
import { isNonEmptyString, isObject } from '../kit.js'

/** The fewest bytes a `sealKey` may have. */
export const MIN_SEAL_KEY_BYTES = 32

/** One derived sealing key and its public id (a hash of the derived key, never the key). */
interface SealingKey {
  readonly kid: string
  readonly key: Uint8Array
}

/** Seals and unseals sessions with the first key; unseals with any (key rotation). */
export interface Sealer {
  /**
   * Seals `session` for `scopeId`.
   *
   * @param session - the session to store
   * @param scopeId - the hashed scope it belongs to (bound into the authenticated header)
   * @returns a compact JWE
   */
  seal(session: AuthSession, scopeId: string): Promise<string>
  /**
   * Unseals what Redis returned.
   *
   * @param sealed - the stored value
   * @param scopeId - the hashed scope it must belong to
   * @returns the session, or `null` when the value is not a session this fleet sealed for that scope
   */
  unseal(sealed: string, scopeId: string): Promise<AuthSession | null>
}

/**
 * The bytes of a seal key (a string is taken as UTF-8).
 *
 * @param value - a string or bytes
 * @returns the bytes, or `undefined` for any other value
 */
export function sealKeyBytes(value: unknown): Uint8Array | undefined {
  if (typeof value === 'string') return new TextEncoder().encode(value)
  if (value instanceof Uint8Array) return value
  return undefined
}

function deriveKey(secret: Uint8Array): SealingKey {
  const key = new Uint8Array(
    hkdfSync('sha256', secret, 'pocketbase-auth/redis', 'session seal v1 A256GCM', 32),
  )
  const kid = createHash('sha256').update(key).digest('base64url').slice(0, 16)
  return { kid, key }
}

/**
 * A sealer over one or more keys, already checked to have at least {@link MIN_SEAL_KEY_BYTES} bytes each.
 *
 * @param secrets - the current key first, then older keys still accepted when unsealing
 * @returns the sealer
 */
export function createSealer(secrets: readonly Uint8Array[]): Sealer {
  const keys = secrets.map(deriveKey)
  const current = keys[0]
  if (current === undefined) throw new TypeError('createSealer: no key')
  const byKid = new Map(keys.map((entry) => [entry.kid, entry.key]))
  return {
    seal(session, scopeId) {
      const plaintext = new TextEncoder().encode(JSON.stringify(session))
      return new CompactEncrypt(plaintext)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: current.kid, scp: scopeId })
        .encrypt(current.key)
    },
    async unseal(sealed, scopeId) {
      try {
        const { plaintext, protectedHeader } = await compactDecrypt(
          sealed,
          (header) => {
            const key = header.kid === undefined ? undefined : byKid.get(header.kid)
            if (key === undefined) throw new Error('sealed with an unknown key')
            return key
          },
          { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] },
        )
        if (protectedHeader.scp !== scopeId) return null
        return readSession(JSON.parse(new TextDecoder().decode(plaintext)))
      } catch {
        // Not ours (another key, another fleet, a tampered value): as if nothing were stored.
        return null
      }
    },
  }
}

/** The session in an unsealed value, checked field by field; `null` when any field is missing or mistyped. */
function readSession(value: unknown): AuthSession | null {
  if (!isObject(value) || !isObject(value.record)) return null
  const { token, record, collectionId, collectionName, recordId, expiresAt, issuedAt, refreshable } = value
  if (
    !isNonEmptyString(token) ||
    !isNonEmptyString(record.id) ||
    !isNonEmptyString(collectionId) ||
    !isNonEmptyString(collectionName) ||
    !isNonEmptyString(recordId) ||
    typeof expiresAt !== 'number' ||
    !Number.isFinite(expiresAt) ||
    typeof issuedAt !== 'number' ||
    !Number.isFinite(issuedAt) ||
    typeof refreshable !== 'boolean'
  ) {
    return null
  }
  return Object.freeze({
    token,
    record: Object.freeze({ ...record }) as AuthRecord,
    collectionId,
    collectionName,
    recordId,
    expiresAt,
    issuedAt,
    refreshable,
  })
}
