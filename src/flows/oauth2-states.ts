/** What `startOAuth2` remembers about one attempt, until `completeOAuth2` or expiry. */
export interface PendingOAuth2 {
  readonly provider: string
  readonly codeVerifier: string
  readonly redirectUrl: string
  readonly expiresAt: number
}

/**
 * The most OAuth2 attempts one client keeps pending (started, neither completed nor expired). Starting one more
 * forgets the oldest, whose callback then rejects with `oauth2_state_invalid`. At about 330 bytes an attempt
 * (measured) this bounds the store near 3.3 MB, and allows 16 starts a second for the whole 10-minute life of
 * a state.
 */
export const MAX_PENDING_OAUTH2 = 10_000

/**
 * Pending OAuth2 attempts keyed by `state`, in this process's memory only. Entries are single-use, expire, and
 * are capped at `maxPending` (the oldest is forgotten first). Every attempt of a client lives equally long, so
 * the order of insertion is the order of expiry: each access drops expired entries from the front and stops at
 * the first live one, so expiry costs amortised O(1) per access and no timer is needed.
 */
export class OAuth2StateStore {
  /** Created on the first `add`: most clients never start an OAuth2 sign-in. Oldest first. */
  #pending: Map<string, PendingOAuth2> | undefined
  readonly #now: () => number
  readonly #maxPending: number

  /**
   * @param now - the clock, in epoch milliseconds
   * @param maxPending - the most attempts kept; @default MAX_PENDING_OAUTH2 (10,000)
   */
  constructor(now: () => number, maxPending: number = MAX_PENDING_OAUTH2) {
    this.#now = now
    this.#maxPending = maxPending
  }

  /**
   * Remembers an attempt as the newest; past `maxPending`, the oldest attempt is forgotten.
   *
   * @param state - the attempt's `state`, its key
   * @param pending - what `completeOAuth2` needs, and when it expires (epoch ms)
   */
  add(state: string, pending: PendingOAuth2): void {
    this.#sweep()
    this.#pending ??= new Map()
    // A Map keeps a re-set key in its old place: delete first, so the newest entry is last.
    this.#pending.delete(state)
    this.#pending.set(state, pending)
    if (this.#pending.size > this.#maxPending) {
      const oldest = this.#pending.keys().next()
      if (oldest.done !== true) this.#pending.delete(oldest.value)
    }
  }

  /**
   * Returns and forgets the attempt for `state`; `undefined` when unknown, used, evicted or expired.
   *
   * @param state - the `state` from the callback
   * @returns the pending attempt, or `undefined`
   */
  take(state: string): PendingOAuth2 | undefined {
    this.#sweep()
    const pending = this.#pending?.get(state)
    if (pending === undefined) return undefined
    this.#pending?.delete(state)
    // Checked again: an entry can sit behind a live one when the clock was set back between two starts.
    return pending.expiresAt > this.#now() ? pending : undefined
  }

  /** Forgets every attempt. */
  clear(): void {
    this.#pending = undefined
  }

  /**
   * How many attempts are pending.
   *
   * @returns the number of attempts kept (expired ones that sit behind a live one, after the clock was set
   * back, are counted until they reach the front)
   */
  get size(): number {
    this.#sweep()
    return this.#pending?.size ?? 0
  }

  /** Drops expired attempts from the oldest end and stops at the first live one. */
  #sweep(): void {
    if (this.#pending === undefined) return
    const now = this.#now()
    for (const [state, pending] of this.#pending) {
      if (pending.expiresAt > now) return
      this.#pending.delete(state)
    }
  }
}
