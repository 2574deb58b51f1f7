/** How background refreshes and re-sign-ins are retried after a transient failure. */
export const RETRY_POLICY = Object.freeze({
  /** First delay. */
  baseMs: 1_000,
  /** Growth per attempt. */
  factor: 2,
  /** Upper bound of any delay. */
  maxMs: 30_000,
  /** Share of the delay that is randomised (0.5: between 50% and 100% of the exponential delay). */
  jitter: 0.5,
  /** Longest wait a server's `Retry-After` is believed for (one hour); a longer one is cut to this. */
  retryAfterMaxMs: 3_600_000,
  /**
   * Shortest wait after a refresh that made no progress (it returned a token that had already expired by the
   * local clock): a lying `Date` or a broken server cannot make a client refresh more than once per this.
   */
  noProgressMinMs: 30_000,
})

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with jitter so many clients that failed
 * together do not retry together.
 *
 * @param attempt - the retry's number, from 0 (a negative number counts as 0)
 * @param random - returns a number in [0, 1) (default `Math.random`)
 * @returns the delay in whole milliseconds: 50% to 100% of `min(maxMs, baseMs * factor ** attempt)`
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(
    RETRY_POLICY.maxMs,
    RETRY_POLICY.baseMs * RETRY_POLICY.factor ** Math.max(0, attempt),
  )
  return Math.round(exponential * (1 - RETRY_POLICY.jitter * random()))
}

/** Why the last refresh failed, as far as the retry delay cares. */
export interface RetryCause {
  /** A server's `Retry-After`, in milliseconds, when it gave one. */
  readonly retryAfterMs?: number | undefined
  /** The refresh answered, but with a token already expired by the local clock. */
  readonly noProgress?: boolean
}

/**
 * Delay before the next try after `failures` failures in a row: the backoff, or longer when the server asked for
 * it (`Retry-After`, believed up to `retryAfterMaxMs`) or when the last refresh made no progress
 * (`noProgressMinMs`).
 *
 * @param failures - failures in a row so far, from 1
 * @param cause - what the server said about the last failure
 * @param random - returns a number in [0, 1) for the jitter (default `Math.random`)
 * @returns the delay in whole milliseconds
 */
export function retryDelayMs(
  failures: number,
  cause: RetryCause = {},
  random: () => number = Math.random,
): number {
  const retryAfter = Math.min(RETRY_POLICY.retryAfterMaxMs, cause.retryAfterMs ?? 0)
  const floor = cause.noProgress === true ? RETRY_POLICY.noProgressMinMs : 0
  return Math.max(backoffDelayMs(failures - 1, random), retryAfter, floor)
}
