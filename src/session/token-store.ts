import type { AuthSession } from './types.js'

/**
 * Holds the current session. The SDK only ever uses memory; implement this interface yourself only if you
 * must share a session, and keep it off disk.
 */
export interface TokenStore {
  /** The current session, or `null`. */
  get(): AuthSession | null
  /** Replaces the session. */
  set(session: AuthSession): void
  /** Forgets the session. */
  clear(): void
}

/** A `TokenStore` that keeps the session in a private field of this process and nowhere else. */
export class MemoryTokenStore implements TokenStore {
  #session: AuthSession | null = null

  /** The current session, or `null`. */
  get(): AuthSession | null {
    return this.#session
  }

  /** Replaces the session. */
  set(session: AuthSession): void {
    this.#session = session
  }

  /** Forgets the session. */
  clear(): void {
    this.#session = null
  }

  /** Never reveals the token when inspected or serialised. */
  toJSON(): { session: 'present' | null } {
    return { session: this.#session === null ? null : 'present' }
  }
}

/**
 * Creates the default in-memory token store.
 *
 * @example
 * ```ts
 * const store = createMemoryTokenStore()
 * const auth = createAuthClient({ url, store })
 * ```
 */
export function createMemoryTokenStore(): TokenStore {
  return new MemoryTokenStore()
}
