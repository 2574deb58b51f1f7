/** Largest share of a token's lifetime the refresh skew may take. */
export const MAX_SKEW_SHARE = 0.2

/**
 * How much earlier than the refresh window a timer may refresh, as a share of the skew, so that clients signed in
 * together do not all refresh in the same instant: each timer refreshes with between 100% and 125% of the skew
 * left, before `getToken()` would refresh on demand (from 100%).
 */
export const REFRESH_SPREAD_SHARE = 0.25

/**
 * How long before expiry (ms) a token counts as due for refresh: `refreshSkewSeconds`, but never more than 20%
 * of the token's lifetime, so a 10-second token is refreshed 2 s before expiry, not immediately.
 *
 * @param expiresAt - when the token expires, epoch ms
 * @param issuedAt - when the token was received, epoch ms
 * @param refreshSkewSeconds - the configured skew, in seconds
 * @returns the skew in milliseconds; 0 for a token whose `expiresAt` is not after `issuedAt`
 */
export function effectiveSkewMs(expiresAt: number, issuedAt: number, refreshSkewSeconds: number): number {
  const lifetime = Math.max(0, expiresAt - issuedAt)
  return Math.min(refreshSkewSeconds * 1000, lifetime * MAX_SKEW_SHARE)
}

/**
 * When (epoch ms) a token should be refreshed: `expiresAt - effectiveSkewMs`, moved earlier by `spread` times a
 * quarter of that skew, and never before `now`. Pure: the timer shell only turns the answer into a `setTimeout`.
 *
 * @param expiresAt - when the token expires, epoch ms
 * @param issuedAt - when the token was received, epoch ms
 * @param now - the current time, epoch ms
 * @param refreshSkewSeconds - the configured skew, in seconds
 * @param spread - where in the spread to refresh, from 0 (as the refresh window opens) to 1 (with 125% of the
 * skew left); clamped to [0, 1]. Each client's timer draws one at random. @default 0
 * @returns when to refresh, epoch ms; `now` when that time has already passed
 * @example
 * ```ts
 * nextRefreshAt(10_000, 0, 0, 300) // 8_000: 20% of a 10 s lifetime
 * nextRefreshAt(10_000, 0, 0, 300, 1) // 7_500: a quarter of that skew earlier
 * ```
 */
export function nextRefreshAt(
  expiresAt: number,
  issuedAt: number,
  now: number,
  refreshSkewSeconds: number,
  spread = 0,
): number {
  const skewMs = effectiveSkewMs(expiresAt, issuedAt, refreshSkewSeconds)
  return Math.max(
    now,
    expiresAt - skewMs * (1 + REFRESH_SPREAD_SHARE * (spread > 0 ? Math.min(spread, 1) : 0)),
  )
}

/**
 * Whether a token is within its refresh window at `now`.
 *
 * @param session - the token's `expiresAt` and `issuedAt`, epoch ms
 * @param now - the current time, epoch ms
 * @param refreshSkewSeconds - the configured skew, in seconds
 * @returns `true` from `expiresAt - effectiveSkewMs` on, expired tokens included
 */
export function isRefreshDue(
  session: { readonly expiresAt: number; readonly issuedAt: number },
  now: number,
  refreshSkewSeconds: number,
): boolean {
  return now >= session.expiresAt - effectiveSkewMs(session.expiresAt, session.issuedAt, refreshSkewSeconds)
}
