import type { AuthSession } from './types.js'

/**
 * Holds the current session. The SDK only ever uses memory; implement this interface yourself only if you
 * must share a session, and keep it off disk.
 */
export interface TokenStore {
  /**
   * The current session, or `null`.
   *
   * @returns the session last `set`, or `null` before any `set` and after `clear()`
   */
  get(): AuthSession | null
  /**
   * Replaces the session.
   *
   * @param session - the new session, a frozen object
   */
  set(session: AuthSession): void
  /** Forgets the session. */
  clear(): void
}

/** A `TokenStore` that keeps the session in a private field of this process and nowhere else. */
export class MemoryTokenStore implements TokenStore {
  #session: AuthSession | null = null

  /**
   * The current session, or `null`.
   *
   * @returns the session last `set`, or `null` before any `set` and after `clear()`
   */
  get(): AuthSession | null {
    return this.#session
  }

  /**
   * Replaces the session.
   *
   * @param session - the new session
   */
  set(session: AuthSession): void {
    this.#session = session
  }

  /** Forgets the session. */
  clear(): void {
    this.#session = null
  }

  /**
   * Never reveals the token when inspected or serialised.
   *
   * @returns `{ session: 'present' }` while a session is held, else `{ session: null }`
   */
  toJSON(): { session: 'present' | null } {
    return { session: this.#session === null ? null : 'present' }
  }
}

/**
 * Creates the default in-memory token store.
 *
 * @returns a new, empty `MemoryTokenStore`
 * @example
 * ```ts
 * const store = createMemoryTokenStore()
 * const auth = createAuthClient({ url, store })
 * ```
 */
export function createMemoryTokenStore(): TokenStore {
  return new MemoryTokenStore()
}
