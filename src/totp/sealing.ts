/**
 * Sealed values (JWE, `dir` + `A256GCM`, with jose): TOTP secrets at rest in the record's hidden fields, and the
 * `mfaId` a first factor hands back. Each is bound to its purpose (audience and derived key), its collection and
 * its record, so a value copied to another record, collection or purpose does not open.
 * @module
 */
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose'
import type { DerivedKeys, KeyPurpose } from './keys.js'

/** What a sealed value is; its JWT audience. */
export type SealKind = 'secret' | 'pending' | 'mfa'

const AUDIENCE: Readonly<Record<SealKind, string>> = {
  secret: 'pocketbase-auth/totp:secret',
  pending: 'pocketbase-auth/totp:pending',
  mfa: 'pocketbase-auth/totp:mfa',
}

const KEY_OF: Readonly<Record<SealKind, KeyPurpose>> = { secret: 'secret', pending: 'secret', mfa: 'mfa' }

/** Whom a sealed value belongs to. */
export interface SealBinding {
  readonly collection: string
  readonly recordId: string
}

/**
 * Seals `claims` for one purpose, collection and record.
 *
 * @param keys - the derived keys
 * @param kind - what the value is
 * @param binding - the collection and record it belongs to
 * @param claims - the private claims (e.g. `{ sec }`)
 * @param nowMs - the clock, for `iat`
 * @param ttlMs - lifetime; `undefined` for none (an active secret)
 * @returns the compact JWE
 */
export async function seal(
  keys: DerivedKeys,
  kind: SealKind,
  binding: SealBinding,
  claims: Readonly<Record<string, string>>,
  nowMs: number,
  ttlMs?: number,
): Promise<string> {
  const nowSeconds = Math.floor(nowMs / 1000)
  const jwt = new EncryptJWT({ ...claims, col: binding.collection, rid: binding.recordId })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: await keys.keyId(KEY_OF[kind]) })
    .setAudience(AUDIENCE[kind])
    .setIssuedAt(nowSeconds)
  if (ttlMs !== undefined) jwt.setExpirationTime(Math.floor((nowMs + ttlMs) / 1000))
  return jwt.encrypt(await keys.get(KEY_OF[kind]))
}

/** Why a sealed value did not open. */
export type OpenFailure = 'expired' | 'invalid'

/**
 * Opens a sealed value and checks its purpose, expiry and binding.
 *
 * @param keys - the derived keys
 * @param kind - what the value must be
 * @param sealed - the compact JWE
 * @param nowMs - the clock, for `exp`
 * @param binding - the collection and record it must belong to; a partial binding checks only what it names
 * @returns the claims, or why it did not open (never a detail of the value)
 */
export async function open(
  keys: DerivedKeys,
  kind: SealKind,
  sealed: string,
  nowMs: number,
  binding: Partial<SealBinding>,
): Promise<{ readonly claims: JWTPayload } | { readonly failure: OpenFailure }> {
  let claims: JWTPayload
  try {
    ;({ payload: claims } = await jwtDecrypt(sealed, await keys.get(KEY_OF[kind]), {
      audience: AUDIENCE[kind],
      currentDate: new Date(nowMs),
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    }))
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return { failure: code === 'ERR_JWT_EXPIRED' ? 'expired' : 'invalid' }
  }
  const boundElsewhere =
    (binding.collection !== undefined && claims['col'] !== binding.collection) ||
    (binding.recordId !== undefined && claims['rid'] !== binding.recordId)
  return boundElsewhere ? { failure: 'invalid' } : { claims }
}

/**
 * One string claim of an opened value.
 *
 * @param claims - the opened claims
 * @param name - the claim
 * @returns its value, or `undefined` when it is not a non-empty string
 */
export function stringClaim(claims: JWTPayload, name: string): string | undefined {
  const value = claims[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}
