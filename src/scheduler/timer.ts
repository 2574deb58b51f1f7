import { MAX_TIMER_DELAY_MS } from '../config.js'

/**
 * One re-armable timer. A delay longer than `setTimeout` accepts (2^31-1 ms, about 24.8 days) is waited out in
 * steps of at most that, re-armed each time, so the callback never fires early. The timer is `unref()`'d where
 * the runtime supports it, so it never keeps a Node process alive. Arming allocates no closure: a process may
 * hold thousands of these.
 */
export class SingleTimer {
  #handle: ReturnType<typeof setTimeout> | undefined
  #callback: (() => void) | undefined
  /** What is left to wait after the current step, in ms (0 when this step is the last). */
  #rest = 0

  /**
   * Replaces any armed callback with `callback` after `delayMs`.
   *
   * @param delayMs - the wait in milliseconds; rounded up, negative taken as 0, any length
   * @param callback - called once when the timer fires
   */
  arm(delayMs: number, callback: () => void): void {
    this.cancel()
    this.#callback = callback
    this.#step(Math.max(0, Math.ceil(delayMs)))
  }

  /** Disarms; idempotent. */
  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle)
    this.#handle = undefined
    this.#callback = undefined
  }

  #step(remainingMs: number): void {
    const step = Math.min(remainingMs, MAX_TIMER_DELAY_MS)
    this.#rest = remainingMs - step
    const handle = setTimeout(SingleTimer.#fire, step, this)
    const maybeUnref = handle as { unref?: () => unknown }
    if (typeof maybeUnref.unref === 'function') maybeUnref.unref()
    this.#handle = handle
  }

  static #fire(timer: SingleTimer): void {
    timer.#handle = undefined
    if (timer.#rest > 0) return timer.#step(timer.#rest)
    const callback = timer.#callback
    timer.#callback = undefined
    callback?.()
  }
}
