/**
 * One request's time limit, tied to the caller's signal: `signal` (hand it to `fetch`) aborts when the time runs
 * out or when the caller aborts, and `timedOut` tells the two apart. `end()` once the request has finished.
 *
 * Per request it costs this one object (an `AbortController` with its signal) and one timer (none for a limit of
 * 0); the timer calls a static method, so closures are made only to listen to a caller's signal.
 */
export class RequestDeadline extends AbortController {
  readonly #timer: ReturnType<typeof setTimeout> | undefined
  /** Stops listening to the caller's signal; set only when there is one. */
  readonly #detach: (() => void) | undefined
  /** `true` once the time limit has passed (rather than the caller aborting). Set by the timer only. */
  timedOut = false

  /**
   * Starts the clock.
   *
   * @param timeoutMs - the time limit in milliseconds; `0` for none (the caller's signal only)
   * @param callerSignal - the caller's signal, if any, not yet aborted (callers check first); its abort aborts
   * `signal` too
   */
  constructor(timeoutMs: number, callerSignal: AbortSignal | undefined) {
    super()
    if (timeoutMs > 0) this.#timer = setTimeout(RequestDeadline.#expire, timeoutMs, this)
    if (callerSignal !== undefined) {
      // A function, not this object as an event-listener object: AbortSignal polyfills may not call handleEvent.
      const onAbort = (): void => this.abort()
      callerSignal.addEventListener('abort', onAbort, { once: true })
      this.#detach = () => callerSignal.removeEventListener('abort', onAbort)
    }
  }

  static #expire(deadline: RequestDeadline): void {
    // After a caller's abort the request ended for that reason, not for the time.
    deadline.timedOut = !deadline.signal.aborted
    deadline.abort()
  }

  /** Stops the clock and stops listening to the caller's signal. Idempotent. */
  end(): void {
    clearTimeout(this.#timer)
    this.#detach?.()
  }
}
