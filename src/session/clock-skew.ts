/**
 * How far the server clock is ahead of ours (ms), from the response `Date` header received at `receivedAt`.
 *
 * `Date` has one-second resolution, so the server time lies in `[date, date + 1000)`. Taking the upper bound
 * makes every expiry computed from it err early (by under a second), never late.
 * Returns 0 when the header is missing or unreadable.
 *
 * @param dateHeader - the response's `Date` header, if any
 * @param receivedAt - our clock when the response arrived, epoch ms
 * @returns the offset in milliseconds, positive when the server is ahead
 */
export function serverClockOffsetMs(dateHeader: string | null | undefined, receivedAt: number): number {
  if (dateHeader === null || dateHeader === undefined) return 0
  const serverDate = Date.parse(dateHeader)
  if (Number.isNaN(serverDate)) return 0
  return serverDate + 999 - receivedAt
}

/**
 * The server clock offset to apply, or `undefined` when it is beyond `maxSkewMs` either way. A `Date` header
 * two days off is far more likely a lying proxy than a server clock that wrong; applying it would make every
 * token look expired (a refresh storm) or valid long past its real expiry.
 *
 * @param offsetMs - the measured offset, see `serverClockOffsetMs`
 * @param maxSkewMs - the largest offset to believe, in milliseconds
 * @returns `offsetMs` when `|offsetMs| <= maxSkewMs`, else `undefined`
 */
export function boundedClockOffsetMs(offsetMs: number, maxSkewMs: number): number | undefined {
  return Math.abs(offsetMs) <= maxSkewMs ? offsetMs : undefined
}
