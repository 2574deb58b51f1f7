/**
 * One request's time limit, tied to the caller's signal: `signal` (hand it to `fetch`) aborts when the time runs
 * out or when the caller aborts, and `timedOut` tells the two apart. `end()` once the request has finished.
 *
 * Per request it costs this one object (an `AbortController`) and one timer, and no closures: the timer calls a
 * static method, and the caller's signal calls `handleEvent` (this object is its event listener).
 */
export class RequestDeadline extends AbortController {
  readonly #timer: ReturnType<typeof setTimeout>
  readonly #callerSignal: AbortSignal | undefined
  #timedOut = false

  /**
   * Starts the clock.
   *
   * @param timeoutMs - the time limit in milliseconds
   * @param callerSignal - the caller's signal, if any, not yet aborted (callers check first); its abort aborts
   * `signal` too
   */
  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    super()
    this.#timer = setTimeout(RequestDeadline.#expire, timeoutMs, this)
    this.#callerSignal = callerSignal
    callerSignal?.addEventListener('abort', this, { once: true })
  }

  static #expire(deadline: RequestDeadline): void {
    // After a caller's abort the request ended for that reason, not for the time.
    deadline.#timedOut = !deadline.signal.aborted
    deadline.abort()
  }

  /** @returns `true` once the time limit has passed (rather than the caller aborting) */
  get timedOut(): boolean {
    return this.#timedOut
  }

  /** Called by the caller's signal when it aborts (the DOM event-listener object protocol). */
  handleEvent(): void {
    this.abort()
  }

  /** Stops the clock and stops listening to the caller's signal. Idempotent. */
  end(): void {
    clearTimeout(this.#timer)
    this.#callerSignal?.removeEventListener('abort', this)
  }
}
