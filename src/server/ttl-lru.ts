/**
 * A map bounded in entries (least recently used goes first) and in time (each entry has its own expiry).
 * A `Map` keeps insertion order, so re-inserting on every hit makes its first key the least recently used.
 * @module
 */

interface Slot<V> {
  readonly value: V
  /** Epoch ms after which the entry is gone. */
  readonly expiresAt: number
}

/** An LRU map whose entries also expire. Not thread-safe in any sense beyond JavaScript's single thread. */
export class TtlLru<V> {
  readonly #slots = new Map<string, Slot<V>>()
  readonly #maxEntries: number

  /**
   * @param maxEntries - how many entries it holds at most; the least recently used one goes first
   */
  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries
  }

  /** How many entries it holds, expired ones not yet swept included. */
  get size(): number {
    return this.#slots.size
  }

  /**
   * The live value under `key`, marked as the most recently used; an expired entry is removed.
   *
   * @param key - the entry's key
   * @param now - the current time, epoch ms
   * @returns the value, or `undefined` when absent or expired
   */
  get(key: string, now: number): V | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    this.#slots.delete(key)
    if (slot.expiresAt <= now) return undefined
    this.#slots.set(key, slot)
    return slot.value
  }

  /**
   * Stores `value` under `key` until `expiresAt`, evicting the least recently used entry when full. An entry that
   * would already be expired is not stored (and an older one under the same key is removed).
   *
   * @param key - the entry's key
   * @param value - what to keep
   * @param expiresAt - epoch ms after which the entry is gone
   * @param now - the current time, epoch ms
   */
  set(key: string, value: V, expiresAt: number, now: number): void {
    this.#slots.delete(key)
    if (expiresAt <= now) return
    if (this.#slots.size >= this.#maxEntries) {
      const oldest = this.#slots.keys().next()
      if (oldest.done !== true) this.#slots.delete(oldest.value)
    }
    this.#slots.set(key, { value, expiresAt })
  }

  /**
   * Removes the entry under `key`.
   *
   * @param key - the entry's key
   * @returns whether there was one
   */
  delete(key: string): boolean {
    return this.#slots.delete(key)
  }

  /** Removes every entry. */
  clear(): void {
    this.#slots.clear()
  }
}
