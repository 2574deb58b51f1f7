/**
 * What the verifier can tell from a token without asking PocketBase: its shape, its kind, its expiry and its
 * collection. Only the server can check the signature (it holds the keys), so passing here proves nothing yet.
 * @module
 */
import { base64url } from 'jose'
import { NotAuthenticatedError, TokenExpiredError, type AuthError } from '../index.js'
import { isObject, readAuthTokenClaims, type AuthTokenClaims } from '../kit.js'
import { AccessDeniedError } from './access-denied.js'
import { SUPERUSERS, SUPERUSERS_ID } from './identity.js'

/** Longer tokens are refused before they are hashed or decoded. PocketBase's are about 220 characters. */
export const MAX_TOKEN_LENGTH = 4096

/** A JWT in compact form: three base64url parts. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/

/** PocketBase signs every token with HMAC-SHA256; any other header (`alg: none`…) is a forgery. */
const HEADER_ALG = 'HS256'

/**
 * An HMAC-SHA256 signature is 32 bytes: 43 base64url characters. A signature of any other length cannot be one
 * PocketBase made, so such a token is a forgery the verifier refuses without asking.
 */
const HS256_SIGNATURE_LENGTH = 43

/** Record and collection ids travel in a URL path: letters, digits and `_` only. */
const ID_SHAPE = /^\w{1,255}$/

/** Whether a collection is allowed, as far as the verifier can tell without asking the server. */
export type CollectionVerdict = 'allowed' | 'refused' | 'unknown'

/**
 * Reads and checks a token's header and claims: an HS256 PocketBase auth token (`type: 'auth'`) with plain ids,
 * not expired.
 *
 * @param token - the presented token, at most {@link MAX_TOKEN_LENGTH} characters
 * @param now - the current time, epoch ms
 * @param leewayMs - how long after `exp` the token is still passed on to the server
 * @returns the claims, or the error to throw
 */
export function readPresentedClaims(
  token: string,
  now: number,
  leewayMs: number,
): AuthTokenClaims | AuthError {
  const claims =
    JWT_SHAPE.test(token) && hasHs256Signature(token) && hasPocketBaseHeader(token)
      ? readAuthTokenClaims(token)
      : undefined
  if (claims === undefined || !ID_SHAPE.test(claims.id) || !ID_SHAPE.test(claims.collectionId)) {
    return new NotAuthenticatedError('verify: the token is not a PocketBase auth token', {
      reason: 'token_invalid',
    })
  }
  if (claims.exp * 1000 + leewayMs <= now) {
    return new TokenExpiredError(`verify: the token of record ${claims.id} has expired`)
  }
  return claims
}

/**
 * Whether tokens of a collection are accepted. `_superusers` has a fixed id, so its tokens are refused at once
 * unless it is allowed; other collections are known by id once PocketBase has named them (`learnedNames`).
 *
 * @param collectionId - the token's `collectionId` claim
 * @param allowed - the allowed collection names and ids
 * @param learnedName - the collection's name as PocketBase last reported it, when known
 * @returns the verdict; `'unknown'` means the server's answer decides
 */
export function collectionVerdict(
  collectionId: string,
  allowed: ReadonlySet<string>,
  learnedName: string | undefined,
): CollectionVerdict {
  if (allowed.has(collectionId)) return 'allowed'
  const name = collectionId === SUPERUSERS_ID ? SUPERUSERS : learnedName
  if (name === undefined) return 'unknown'
  return allowed.has(name) ? 'allowed' : 'refused'
}

/**
 * The error for a token of a collection that is not allowed.
 *
 * @param collection - the collection's name or id
 * @returns a `forbidden` error with reason `collection_not_allowed`
 */
export function collectionRefused(collection: string): AccessDeniedError {
  return new AccessDeniedError(
    `verify: tokens of collection "${collection}" are not accepted here`,
    'collection_not_allowed',
  )
}

/** Whether the token's last part has the length of an HMAC-SHA256 signature (the part is known to be base64url). */
function hasHs256Signature(token: string): boolean {
  return token.length - token.lastIndexOf('.') - 1 === HS256_SIGNATURE_LENGTH
}

/** Whether the token's header says HS256, the only algorithm PocketBase signs with. */
function hasPocketBaseHeader(token: string): boolean {
  try {
    const header: unknown = JSON.parse(
      new TextDecoder().decode(base64url.decode(token.slice(0, token.indexOf('.')))),
    )
    return isObject(header) && header.alg === HEADER_ALG
  } catch {
    return false
  }
}
