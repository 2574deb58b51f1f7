import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_SKEW_SHARE,
  REFRESH_SPREAD_SHARE,
  effectiveSkewMs,
  isRefreshDue,
  nextRefreshAt,
} from '../../src/scheduler/next-refresh-at.js'

const SECOND = 1000
const DAY = 86_400 * SECOND
const THREE_YEARS = 94_670_856 * SECOND // PocketBase's largest authToken duration

describe('nextRefreshAt', () => {
  it('refreshes a 10 s token 2 s before expiry (20% of its life), not at once', () => {
    const issuedAt = 1_700_000_000_000
    expect(nextRefreshAt(issuedAt + 10 * SECOND, issuedAt, issuedAt, 300)).toBe(issuedAt + 8 * SECOND)
  })

  it('refreshes a 3-year token refreshSkewSeconds before expiry', () => {
    const issuedAt = 1_700_000_000_000
    const expiresAt = issuedAt + THREE_YEARS
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300)).toBe(expiresAt - 300 * SECOND)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 0)).toBe(expiresAt)
  })

  it('uses the default-sized skew for PocketBase default lifetimes (1 and 5 days)', () => {
    expect(nextRefreshAt(DAY, 0, 0, 300)).toBe(DAY - 300 * SECOND)
    expect(nextRefreshAt(5 * DAY, 0, 0, 300)).toBe(5 * DAY - 300 * SECOND)
  })

  it('never answers a time in the past: an overdue or expired token is due now', () => {
    expect(nextRefreshAt(10 * SECOND, 0, 9 * SECOND, 300)).toBe(9 * SECOND)
    expect(nextRefreshAt(10 * SECOND, 0, 60 * SECOND, 300)).toBe(60 * SECOND)
  })

  it('treats a token issued after its expiry (skewed clocks) as due at expiry or now', () => {
    expect(nextRefreshAt(5 * SECOND, 10 * SECOND, 0, 300)).toBe(5 * SECOND)
    expect(nextRefreshAt(5 * SECOND, 10 * SECOND, 7 * SECOND, 300)).toBe(7 * SECOND)
  })

  it('stays within [now, expiry] and after 80% of the lifetime, for any token', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: THREE_YEARS }),
        fc.integer({ min: 0, max: 2 * THREE_YEARS }),
        fc.integer({ min: 0, max: 2_147_483 }),
        (issuedAt, lifetime, elapsed, skewSeconds) => {
          const expiresAt = issuedAt + lifetime
          const now = issuedAt + elapsed
          const at = nextRefreshAt(expiresAt, issuedAt, now, skewSeconds)
          expect(at).toBeGreaterThanOrEqual(now)
          expect(at).toBeLessThanOrEqual(Math.max(now, expiresAt))
          expect(at).toBeGreaterThanOrEqual(issuedAt + lifetime * (1 - MAX_SKEW_SHARE) - 1e-6)
        },
      ),
    )
  })
})

describe('nextRefreshAt: the spread', () => {
  const issuedAt = 1_700_000_000_000

  it('moves the refresh earlier by up to a quarter of the skew: 10 s token, 8 s to 7.5 s', () => {
    const expiresAt = issuedAt + 10 * SECOND
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 0)).toBe(issuedAt + 8_000)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 0.5)).toBe(issuedAt + 7_750)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 1)).toBe(issuedAt + 7_500)
  })

  it('spreads a long token over a quarter of refreshSkewSeconds: 3-year token, 300 s to 375 s left', () => {
    const expiresAt = issuedAt + THREE_YEARS
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 1)).toBe(expiresAt - 375 * SECOND)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 0.2)).toBe(expiresAt - 315 * SECOND)
  })

  it('clamps the spread to [0, 1]; NaN counts as 0', () => {
    const expiresAt = issuedAt + 10 * SECOND
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, 7)).toBe(issuedAt + 7_500)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, -3)).toBe(issuedAt + 8_000)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt, 300, Number.NaN)).toBe(issuedAt + 8_000)
  })

  it('never answers a time in the past, wherever in the spread', () => {
    const expiresAt = issuedAt + 10 * SECOND
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt + 7_400, 300, 1)).toBe(issuedAt + 7_500)
    expect(nextRefreshAt(expiresAt, issuedAt, issuedAt + 7_600, 300, 1)).toBe(issuedAt + 7_600)
  })

  it('is at or before the window getToken() refreshes in, by at most a quarter of the skew, for any token', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: THREE_YEARS }),
        fc.integer({ min: 0, max: 2_147_483 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (issuedAt, lifetime, skewSeconds, spread) => {
          const expiresAt = issuedAt + lifetime
          const skew = effectiveSkewMs(expiresAt, issuedAt, skewSeconds)
          const windowOpens = expiresAt - skew
          const at = nextRefreshAt(expiresAt, issuedAt, issuedAt, skewSeconds, spread)
          expect(at).toBeLessThanOrEqual(windowOpens)
          expect(at).toBeGreaterThanOrEqual(windowOpens - skew * REFRESH_SPREAD_SHARE - 1)
          expect(at).toBeGreaterThanOrEqual(issuedAt)
          if (spread * skew * REFRESH_SPREAD_SHARE >= 1) expect(at).toBeLessThan(windowOpens)
        },
      ),
    )
  })
})

describe('effectiveSkewMs', () => {
  it('is the configured skew, capped at 20% of the lifetime', () => {
    expect(effectiveSkewMs(10 * SECOND, 0, 300)).toBe(2 * SECOND)
    expect(effectiveSkewMs(DAY, 0, 300)).toBe(300 * SECOND)
    expect(effectiveSkewMs(DAY, 0, 0)).toBe(0)
  })

  it('is 0 for a token with no lifetime left at issue', () => {
    expect(effectiveSkewMs(0, 10 * SECOND, 300)).toBe(0)
  })
})

describe('isRefreshDue', () => {
  const session = { issuedAt: 0, expiresAt: 10 * SECOND }

  it('flips exactly at nextRefreshAt', () => {
    const due = nextRefreshAt(session.expiresAt, session.issuedAt, 0, 300)
    expect(isRefreshDue(session, due - 1, 300)).toBe(false)
    expect(isRefreshDue(session, due, 300)).toBe(true)
  })

  it('is due for an expired token', () => {
    expect(isRefreshDue(session, 11 * SECOND, 300)).toBe(true)
  })

  it('agrees with nextRefreshAt for any clock reading', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20 * SECOND }), fc.integer({ min: 0, max: 600 }), (now, skew) => {
        const at = nextRefreshAt(session.expiresAt, session.issuedAt, now, skew)
        expect(isRefreshDue(session, now, skew)).toBe(at === now)
      }),
    )
  })
})
