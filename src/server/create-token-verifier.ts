/**
 * `createTokenVerifier` bound to a hash: each entry point of `pocketbase-auth/server` builds its own with the
 * fastest synchronous SHA-256 its runtime has.
 * @module
 */
import type { TokenHasher } from './token-hash.js'
import { createVerifierWithHash, type TokenVerifier } from './token-verifier.js'
import type { TokenVerifierOptions } from './verifier-options.js'

/** The signature of `createTokenVerifier`. */
export type CreateTokenVerifier = (options: TokenVerifierOptions) => TokenVerifier

/**
 * Binds the verifier factory to a hash.
 *
 * @param hash - a synchronous SHA-256
 * @returns `createTokenVerifier`
 */
export function tokenVerifierFactory(hash: TokenHasher): CreateTokenVerifier {
  return (options) => createVerifierWithHash(options, hash)
}
