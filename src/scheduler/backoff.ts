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
