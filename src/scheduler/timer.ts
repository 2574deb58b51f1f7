import { MAX_TIMER_DELAY_MS } from '../config.js'

/**
 * One re-armable timer. A delay longer than `setTimeout` accepts (2^31-1 ms, about 24.8 days) is waited out in
 * steps of at most that, re-armed each time, so the callback never fires early. The timer is `unref()`'d where
 * the runtime supports it, so it never keeps a Node process alive.
 */
export class SingleTimer {
  #handle: ReturnType<typeof setTimeout> | undefined

  /**
   * Replaces any armed callback with `callback` after `delayMs`.
   *
   * @param delayMs - the wait in milliseconds; rounded up, negative taken as 0, any length
   * @param callback - called once when the timer fires
   */
  arm(delayMs: number, callback: () => void): void {
    this.cancel()
    const rest = Math.max(0, Math.ceil(delayMs)) - MAX_TIMER_DELAY_MS
    const handle = setTimeout(
      () => {
        this.#handle = undefined
        if (rest > 0) this.arm(rest, callback)
        else callback()
      },
      rest > 0 ? MAX_TIMER_DELAY_MS : rest + MAX_TIMER_DELAY_MS,
    )
    const maybeUnref = handle as { unref?: () => unknown }
    if (typeof maybeUnref.unref === 'function') maybeUnref.unref()
    this.#handle = handle
  }

  /** Disarms; idempotent. */
  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle)
    this.#handle = undefined
  }
}
