/**
 * The token verifier: local checks, then one confirmation by PocketBase per token per `cacheTtlSeconds`,
 * shared by concurrent callers, with confirmed identities and rejections kept in bounded maps keyed by a SHA-256
 * of the token.
 * @module
 */
import { AbortedError, NotAuthenticatedError, isAuthError, type AuthError } from '../index.js'
import { raceAbort, type AuthTokenClaims } from '../kit.js'
import { confirmToken } from './confirm-token.js'
import { buildIdentity, type VerifiedIdentity } from './identity.js'
import {
  MAX_TOKEN_LENGTH,
  collectionRefused,
  collectionVerdict,
  readPresentedClaims,
} from './local-checks.js'
import type { TokenHasher } from './token-hash.js'
import { TtlLru } from './ttl-lru.js'
import { resolveVerifierOptions, type ResolvedVerifierOptions } from './verifier-options.js'

/** Options of one `verify()` call. */
export interface VerifyOptions {
  /**
   * Stops waiting when it aborts (the call rejects with `aborted`). The request to PocketBase goes on for the other
   * callers that share it, and its answer is still cached. An answer already in memory is returned without
   * looking at the signal. @default undefined
   */
  readonly signal?: AbortSignal | undefined
}

/** Counters since the verifier was created (or `clear()`ed, for the sizes). */
export interface TokenVerifierStats {
  /** Calls answered from a confirmed identity in memory. */
  readonly cacheHits: number
  /** Calls answered from a remembered rejection. */
  readonly rejectionHits: number
  /** Confirmations sent to PocketBase (one auth-refresh each; two requests for impersonation tokens on PocketBase < 0.29). */
  readonly confirmations: number
  /** Confirmed identities held now. */
  readonly cachedIdentities: number
  /** Rejections held now. */
  readonly cachedRejections: number
  /** Confirmations under way now. */
  readonly inFlight: number
}

/** Checks PocketBase tokens for a backend. Made by `createTokenVerifier()`. */
export interface TokenVerifier {
  /**
   * Checks a token: locally first (shape, kind, expiry, collection), then with PocketBase unless a recent answer
   * is in memory.
   *
   * @param token - the token as presented (no `Bearer ` prefix); `null`, `undefined` or `''` means none
   * @param options - see {@link VerifyOptions}
   * @returns the identity PocketBase confirmed
   * @throws {NotAuthenticatedError} `not_authenticated` with `reason` `token_missing`, `token_invalid` (malformed,
   * forged, not an auth token) or `token_revoked` (PocketBase rejected it).
   * @throws {TokenExpiredError} `token_expired` when the token's `exp` has passed.
   * @throws {AccessDeniedError} `forbidden` with `reason` `collection_not_allowed` or `auth_rule_failed`.
   * @throws {AuthError} `network`, `timeout`, `server_error`, `rate_limited`, `unexpected_response` when PocketBase
   * cannot answer (never cached: the next call asks again), `aborted` when `options.signal` aborts.
   */
  verify(token: string | null | undefined, options?: VerifyOptions): Promise<VerifiedIdentity>
  /**
   * Drops what is remembered about one token, so the next `verify()` asks PocketBase (e.g. right after your
   * backend changed that user's role or password).
   *
   * @param token - the token
   */
  forget(token: string): void
  /** Drops every remembered identity and rejection. */
  clear(): void
  /** @returns the counters; see {@link TokenVerifierStats} */
  stats(): TokenVerifierStats
}

/**
 * Makes a verifier with the given hash (the entry point decides: `node:crypto`, or plain JavaScript).
 *
 * @param options - the verifier's options, not yet checked
 * @param hash - a synchronous SHA-256
 * @returns the verifier
 * @throws {ConfigError} `config_invalid`, naming every bad option.
 */
export function createVerifierWithHash(options: unknown, hash: TokenHasher): TokenVerifier {
  return new CachingTokenVerifier(resolveVerifierOptions(options), hash)
}

class CachingTokenVerifier implements TokenVerifier {
  readonly #options: ResolvedVerifierOptions
  readonly #hash: TokenHasher
  readonly #confirmed: TtlLru<VerifiedIdentity>
  readonly #rejected: TtlLru<AuthError>
  /** Collection names PocketBase reported, by collection id: lets later tokens of a refused collection fail locally. */
  readonly #collectionNames = new TtlLru<string>(1000)
  readonly #inFlight = new Map<string, Promise<VerifiedIdentity>>()
  #cacheHits = 0
  #rejectionHits = 0
  #confirmations = 0

  constructor(options: ResolvedVerifierOptions, hash: TokenHasher) {
    this.#options = options
    this.#hash = hash
    this.#confirmed = new TtlLru(options.maxEntries)
    this.#rejected = new TtlLru(options.maxEntries)
  }

  verify(token: string | null | undefined, options?: VerifyOptions): Promise<VerifiedIdentity> {
    if (typeof token !== 'string' || token === '') {
      return Promise.reject(
        new NotAuthenticatedError('verify: no token was presented', { reason: 'token_missing' }),
      )
    }
    if (token.length > MAX_TOKEN_LENGTH) {
      return Promise.reject(
        new NotAuthenticatedError('verify: the token is too long', { reason: 'token_invalid' }),
      )
    }
    const now = this.#options.config.now()
    const key = this.#hash(token)
    const identity = this.#confirmed.get(key, now)
    if (identity !== undefined) {
      this.#cacheHits++
      return Promise.resolve(identity)
    }
    const rejection = this.#rejected.get(key, now)
    if (rejection !== undefined) {
      this.#rejectionHits++
      return Promise.reject(rejection)
    }
    let pending = this.#inFlight.get(key)
    if (pending === undefined) {
      const claims = readPresentedClaims(token, now, this.#options.leewayMs)
      if (isAuthError(claims)) return Promise.reject(claims)
      const name = this.#collectionNames.get(claims.collectionId, now)
      if (collectionVerdict(claims.collectionId, this.#options.collections, name) === 'refused') {
        return Promise.reject(collectionRefused(name ?? claims.collectionId))
      }
      pending = this.#start(key, token, claims)
    }
    return options?.signal === undefined
      ? pending
      : raceAbort(pending, options.signal, () => new AbortedError('verify: aborted by the caller'))
  }

  forget(token: string): void {
    const key = this.#hash(token)
    this.#confirmed.delete(key)
    this.#rejected.delete(key)
    this.#inFlight.delete(key)
  }

  clear(): void {
    this.#confirmed.clear()
    this.#rejected.clear()
    this.#collectionNames.clear()
    this.#inFlight.clear()
  }

  stats(): TokenVerifierStats {
    return {
      cacheHits: this.#cacheHits,
      rejectionHits: this.#rejectionHits,
      confirmations: this.#confirmations,
      cachedIdentities: this.#confirmed.size,
      cachedRejections: this.#rejected.size,
      inFlight: this.#inFlight.size,
    }
  }

  /**
   * Starts one confirmation and registers it, so concurrent calls with the same token share it. Its answer is
   * cached only while it is still the registered one: `forget()` and `clear()` unregister it.
   */
  #start(key: string, token: string, claims: AuthTokenClaims): Promise<VerifiedIdentity> {
    const isCurrent = (): boolean => this.#inFlight.get(key) === pending
    const pending: Promise<VerifiedIdentity> = Promise.resolve().then(() =>
      this.#confirm(key, token, claims, isCurrent),
    )
    this.#inFlight.set(key, pending)
    return pending
  }

  async #confirm(
    key: string,
    token: string,
    claims: AuthTokenClaims,
    cache: () => boolean,
  ): Promise<VerifiedIdentity> {
    const { config, leewayMs, cacheTtlMs, rejectionTtlMs, roleField, collections } = this.#options
    this.#confirmations++
    try {
      const expiring = claims.exp * 1000 - leewayMs <= config.now()
      const confirmation = await confirmToken(config, token, claims, expiring).catch((error: unknown) => {
        config.logger.warn('verify: PocketBase could not confirm a token', {
          collectionId: claims.collectionId,
          recordId: claims.id,
          code: isAuthError(error) ? error.code : 'unknown',
        })
        throw error
      })
      const now = config.now()
      if (!confirmation.confirmed) {
        const { error } = confirmation
        if (cache()) this.#rejected.set(key, error, now + rejectionTtlMs, now)
        config.logger.info('verify: token rejected', {
          collectionId: claims.collectionId,
          recordId: claims.id,
          code: error.code,
        })
        throw error
      }
      const { record } = confirmation
      if (cache())
        this.#collectionNames.set(record.collectionId, record.collectionName, now + cacheTtlMs, now)
      if (!collections.has(record.collectionName) && !collections.has(record.collectionId)) {
        const error = collectionRefused(record.collectionName)
        if (cache()) this.#rejected.set(key, error, now + rejectionTtlMs, now)
        throw error
      }
      const identity = buildIdentity(record, claims, roleField)
      if (cache()) this.#confirmed.set(key, identity, Math.min(now + cacheTtlMs, identity.expiresAt), now)
      config.logger.debug('verify: token confirmed', {
        collection: record.collectionName,
        recordId: claims.id,
      })
      return identity
    } finally {
      if (cache()) this.#inFlight.delete(key)
    }
  }
}
