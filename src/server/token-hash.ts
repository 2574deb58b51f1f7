/**
 * How the verifier turns a token into its cache key. The key is a SHA-256 digest, so the token itself is never
 * kept as a key, and two tokens cannot share an entry (which would hand one user's identity to another).
 * @module
 */

/** A synchronous SHA-256 of a token, as hex. */
export type TokenHasher = (token: string) => string
