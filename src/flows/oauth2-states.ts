/** What `startOAuth2` remembers about one attempt, until `completeOAuth2` or expiry. */
export interface PendingOAuth2 {
  readonly provider: string
  readonly codeVerifier: string
  readonly redirectUrl: string
  readonly expiresAt: number
}

/**
 * Pending OAuth2 attempts keyed by `state`, in this process's memory only. Entries are single-use and expire;
 * expired ones are swept on every access, so no timer is needed.
 */
export class OAuth2StateStore {
  /** Created on the first `add`: most clients never start an OAuth2 sign-in. */
  #pending: Map<string, PendingOAuth2> | undefined
  readonly #now: () => number

  /** @param now - the clock, in epoch milliseconds */
  constructor(now: () => number) {
    this.#now = now
  }

  /**
   * Remembers an attempt.
   *
   * @param state - the attempt's `state`, its key
   * @param pending - what `completeOAuth2` needs, and when it expires (epoch ms)
   */
  add(state: string, pending: PendingOAuth2): void {
    this.#sweep()
    this.#pending ??= new Map()
    this.#pending.set(state, pending)
  }

  /**
   * Returns and forgets the attempt for `state`; `undefined` when unknown, used or expired.
   *
   * @param state - the `state` from the callback
   * @returns the pending attempt, or `undefined`
   */
  take(state: string): PendingOAuth2 | undefined {
    this.#sweep()
    const pending = this.#pending?.get(state)
    this.#pending?.delete(state)
    return pending
  }

  /** Forgets every attempt. */
  clear(): void {
    this.#pending = undefined
  }

  /**
   * How many attempts are pending.
   *
   * @returns the number of attempts neither used nor expired
   */
  get size(): number {
    this.#sweep()
    return this.#pending?.size ?? 0
  }

  #sweep(): void {
    if (this.#pending === undefined) return
    const now = this.#now()
    for (const [state, pending] of this.#pending) if (pending.expiresAt <= now) this.#pending.delete(state)
  }
}
