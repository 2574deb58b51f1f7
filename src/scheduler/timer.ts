import { MAX_TIMER_DELAY_MS } from '../config.js'

/**
 * One re-armable timer. Delays are clamped to what `setTimeout` accepts (a longer wait simply fires early and
 * the owner re-arms), and the timer is `unref()`'d where the runtime supports it, so it never keeps a Node
 * process alive.
 */
export class SingleTimer {
  #handle: ReturnType<typeof setTimeout> | undefined

  /**
   * Replaces any armed callback with `callback` after `delayMs`.
   *
   * @param delayMs - the wait in milliseconds; rounded up, clamped to 0…2^31-1
   * @param callback - called once when the timer fires
   */
  arm(delayMs: number, callback: () => void): void {
    this.cancel()
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, Math.ceil(delayMs)))
    const handle = setTimeout(() => {
      if (this.#handle === handle) this.#handle = undefined
      callback()
    }, delay)
    const maybeUnref = handle as { unref?: () => unknown }
    if (typeof maybeUnref.unref === 'function') maybeUnref.unref()
    this.#handle = handle
  }

  /**
   * Whether a callback is armed.
   *
   * @returns `true` from `arm()` until the callback runs or `cancel()` is called
   */
  get isArmed(): boolean {
    return this.#handle !== undefined
  }

  /** Disarms; idempotent. */
  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle)
    this.#handle = undefined
  }
}
