import { describe, expect, it } from 'vitest'
import { RETRY_POLICY, backoffDelayMs, retryDelayMs } from '../../src/scheduler/backoff.js'

describe('backoffDelayMs', () => {
  it('grows exponentially from baseMs by factor', () => {
    const noJitter = (): number => 0
    expect([0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, noJitter))).toEqual([
      RETRY_POLICY.baseMs,
      RETRY_POLICY.baseMs * RETRY_POLICY.factor,
      RETRY_POLICY.baseMs * RETRY_POLICY.factor ** 2,
      RETRY_POLICY.baseMs * RETRY_POLICY.factor ** 3,
    ])
  })

  it('never exceeds maxMs, however many attempts failed', () => {
    for (const attempt of [10, 50, 1000, Number.MAX_SAFE_INTEGER]) {
      expect(backoffDelayMs(attempt, () => 0)).toBe(RETRY_POLICY.maxMs)
    }
  })

  it('jitters down to (1 - jitter) of the exponential delay, never below', () => {
    expect(backoffDelayMs(0, () => 1)).toBe(RETRY_POLICY.baseMs * (1 - RETRY_POLICY.jitter))
    expect(backoffDelayMs(100, () => 1)).toBe(RETRY_POLICY.maxMs * (1 - RETRY_POLICY.jitter))
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelayMs(2)
      expect(delay).toBeGreaterThanOrEqual(4 * RETRY_POLICY.baseMs * (1 - RETRY_POLICY.jitter))
      expect(delay).toBeLessThanOrEqual(4 * RETRY_POLICY.baseMs)
    }
  })

  it('spreads clients that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3)))
    expect(delays.size).toBeGreaterThan(10)
  })

  it('treats a negative attempt as the first', () => {
    expect(backoffDelayMs(-3, () => 0)).toBe(RETRY_POLICY.baseMs)
  })

  it('is the documented policy: 1 s, doubling, at most 30 s, randomised down to 50%, Retry-After up to 1 h, 30 s after no progress', () => {
    // Pinned: the README documents these numbers; a retry that no longer backs off must fail here.
    expect(RETRY_POLICY).toEqual({
      baseMs: 1_000,
      factor: 2,
      maxMs: 30_000,
      jitter: 0.5,
      retryAfterMaxMs: 3_600_000,
      noProgressMinMs: 30_000,
    })
    expect([0, 1, 2, 4, 5].map((attempt) => backoffDelayMs(attempt, () => 0.5))).toEqual([
      750, 1_500, 3_000, 12_000, 22_500,
    ])
  })

  it('is a frozen, bounded policy', () => {
    expect(Object.isFrozen(RETRY_POLICY)).toBe(true)
    expect(RETRY_POLICY.maxMs).toBeGreaterThanOrEqual(RETRY_POLICY.baseMs)
    expect(RETRY_POLICY.jitter).toBeGreaterThan(0)
    expect(RETRY_POLICY.jitter).toBeLessThan(1)
  })
})

describe('retryDelayMs', () => {
  const noJitter = (): number => 0

  it('is the backoff of the failures so far (failure 1 waits the base delay)', () => {
    expect([1, 2, 3].map((failures) => retryDelayMs(failures, {}, noJitter))).toEqual([1_000, 2_000, 4_000])
  })

  it('waits as long as a Retry-After asks when that is longer, up to retryAfterMaxMs', () => {
    expect(retryDelayMs(1, { retryAfterMs: 7_000 }, noJitter)).toBe(7_000)
    expect(retryDelayMs(4, { retryAfterMs: 100 }, noJitter)).toBe(8_000)
    expect(retryDelayMs(1, { retryAfterMs: 1e12 }, noJitter)).toBe(RETRY_POLICY.retryAfterMaxMs)
  })

  it('waits at least noProgressMinMs after a refresh that made no progress, whatever the backoff', () => {
    expect(retryDelayMs(1, { noProgress: true }, noJitter)).toBe(RETRY_POLICY.noProgressMinMs)
    expect(retryDelayMs(1, { noProgress: true }, () => 0.999)).toBe(RETRY_POLICY.noProgressMinMs)
    expect(retryDelayMs(1, { noProgress: true, retryAfterMs: 45_000 }, noJitter)).toBe(45_000)
  })
})
