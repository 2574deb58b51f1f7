import { decodeJwt } from 'jose'
import type { ResolvedConfig } from '../config.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { pocketBaseRequest, type PocketBaseResponse } from '../http/request.js'
import type { TokenOrigin } from '../lifecycle/token-keeper.js'
import { isNonEmptyString, isObject } from '../narrow.js'
import { readAuthTokenClaims } from '../session/claims.js'
import { boundedClockOffsetMs, serverClockOffsetMs } from '../session/clock-skew.js'

/** A file token is fetched again this long before it expires (or at half its lifetime, when that is shorter). */
export const FILE_TOKEN_RENEW_BEFORE_MS = 30_000

const WHERE = 'POST /api/files/token'

/** A file token and whom it belongs to. */
interface CachedFileToken {
  /** `collectionId/recordId` of the auth token it was issued for. */
  readonly owner: string
  readonly token: string
  /** Local time after which it is fetched again. */
  readonly renewAt: number
}

/** What the cache needs from the client's token keeper. */
export interface FileTokenKeeper {
  withToken<T>(call: (token: string) => Promise<T>, origin: TokenOrigin): Promise<T>
}

/**
 * The file token of a client (`POST /api/files/token`), shared by its db-interfaces: fetched once per user and
 * reused until shortly before it expires; concurrent callers share one request. It also serves the realtime connection as the cheap
 * request that proves an auth token is still valid (it answers 401 when not).
 */
export class FileTokens {
  readonly #config: ResolvedConfig
  readonly #keeper: FileTokenKeeper
  #cached: CachedFileToken | undefined
  #pending: { readonly owner: string | undefined; readonly promise: Promise<string> } | undefined

  /**
   * @param config - the client's config (URL, `fetch`, time limit, clock, skew bound)
   * @param keeper - the client's token keeper
   */
  constructor(config: ResolvedConfig, keeper: FileTokenKeeper) {
    this.#config = config
    this.#keeper = keeper
  }

  /**
   * A file token of `owner`, from the cache while it is fresh, else from one request shared by every caller.
   *
   * @param owner - `collectionId/recordId` of the current session; `undefined` when there is none (the keeper
   * then signs in through `credentials`, or throws)
   * @returns the file token
   * @throws {AuthError} `not_authenticated`, `token_expired`, `unexpected_response`, transport codes.
   */
  get(owner: string | undefined): Promise<string> {
    const cached = this.#cached
    if (cached !== undefined && cached.owner === owner && this.#config.now() < cached.renewAt) {
      return Promise.resolve(cached.token)
    }
    const pending = this.#pending
    if (pending !== undefined && pending.owner === owner) return pending.promise
    const promise = this.#keeper.withToken((token) => this.fetchWith(token, undefined), 'caller')
    const entry = { owner, promise }
    this.#pending = entry
    const done = (): void => {
      if (this.#pending === entry) this.#pending = undefined
    }
    promise.then(done, done)
    return promise
  }

  /**
   * Fetches a file token with `authToken` and keeps it for its owner: always a request.
   *
   * @param authToken - the auth token to send
   * @param signal - cancels the request
   * @returns the new file token
   * @throws {AuthError} `token_expired` (401: the auth token is no longer valid), `unexpected_response`,
   * transport codes.
   */
  async fetchWith(authToken: string, signal: AbortSignal | undefined): Promise<string> {
    const response = await pocketBaseRequest(this.#config, {
      method: 'POST',
      path: '/api/files/token',
      token: authToken,
      signal,
    })
    const token = isObject(response.body) ? response.body.token : undefined
    if (!isNonEmptyString(token)) {
      throw new UnexpectedResponseError(`${WHERE}: the response has no token`, { status: response.status })
    }
    const claims = readAuthTokenClaims(authToken)
    const expiresAt = this.#localExpiry(token, response)
    if (claims !== undefined && expiresAt !== undefined) {
      const renewBefore = Math.min(FILE_TOKEN_RENEW_BEFORE_MS, (expiresAt - response.receivedAt) / 2)
      this.#cached = { owner: `${claims.collectionId}/${claims.id}`, token, renewAt: expiresAt - renewBefore }
    }
    return token
  }

  /** Forgets the cached token (the session ended). */
  clear(): void {
    this.#cached = undefined
  }

  /** When the file token expires on the local clock; `undefined` when its `exp` cannot be read (used once). */
  #localExpiry(token: string, response: PocketBaseResponse): number | undefined {
    let exp: unknown
    try {
      exp = decodeJwt(token).exp
    } catch {
      // Not a readable JWT (the decoder's cause could quote it): used once, not kept.
      return undefined
    }
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return undefined
    const offset = serverClockOffsetMs(response.headers.get('date'), response.receivedAt)
    const applied = boundedClockOffsetMs(offset, this.#config.maxClockSkewSeconds * 1000) ?? 0
    return exp * 1000 - applied
  }
}
