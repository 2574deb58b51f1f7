/**
 * Sealed values for the sign-in cookies (OAuth2 state and PKCE verifier, a pending MFA, a pending OTP): compact JWE
 * with jose, `dir` + `A256GCM` under a key derived from the cookie secret, so the browser can neither read nor change
 * them. Each is bound to its purpose (the audience) and collection, and expires; the key id picks the secret of the
 * ring that sealed it.
 * @module
 */
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose'
import type { KeyRing } from './keys.js'

/** What a sealed cookie holds. */
export type SealPurpose = 'oauth2' | 'mfa' | 'otp'

const audience = (purpose: SealPurpose): string => `pocketbase-auth/ssr:${purpose}`

/**
 * Seals claims for one purpose and collection.
 *
 * @param ring - the keys; `current` seals
 * @param purpose - what the value is
 * @param collection - the client's auth collection
 * @param claims - the private claims
 * @param nowMs - the clock, epoch ms
 * @param ttlMs - how long the value opens
 * @returns the compact JWE (base64url segments joined by `.`)
 */
export function seal(
  ring: KeyRing,
  purpose: SealPurpose,
  collection: string,
  claims: Readonly<Record<string, string | number>>,
  nowMs: number,
  ttlMs: number,
): Promise<string> {
  return new EncryptJWT({ ...claims, col: collection })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: ring.current.id })
    .setAudience(audience(purpose))
    .setIssuedAt(Math.floor(nowMs / 1000))
    .setExpirationTime(Math.ceil((nowMs + ttlMs) / 1000))
    .encrypt(ring.current.seal)
}

/**
 * Opens a sealed value and checks its purpose, collection and expiry.
 *
 * @param ring - the keys; the one named by the value's key id opens it
 * @param purpose - what the value must be
 * @param collection - the collection it must belong to
 * @param value - the compact JWE
 * @param nowMs - the clock, epoch ms
 * @returns the claims, or `undefined` when the value is forged, changed, expired, of another purpose or
 * collection, or sealed with a secret that is no longer configured
 */
export async function open(
  ring: KeyRing,
  purpose: SealPurpose,
  collection: string,
  value: string,
  nowMs: number,
): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtDecrypt(
      value,
      (header) => {
        const keys = ring.all.find((candidate) => candidate.id === header.kid)
        if (keys === undefined) throw new Error('unknown key id')
        return keys.seal
      },
      {
        audience: audience(purpose),
        currentDate: new Date(nowMs),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        requiredClaims: ['exp'],
      },
    )
    return payload.col === collection ? payload : undefined
  } catch {
    return undefined
  }
}
