import type { Logger } from '../logger.js'
import { buildSession, type ReceivedAuth } from '../session/build-session.js'
import { boundedClockOffsetMs } from '../session/clock-skew.js'
import type { AuthSession } from '../session/types.js'

/**
 * Turns auth responses into sessions for one client, correcting expiries for the server's clock only within
 * `maxClockSkewSeconds`. An offset beyond it (a proxy that lies about the date) is ignored and warned about once
 * per client, so a hostile `Date` header can neither make every token look expired nor keep one alive past its
 * real expiry.
 */
export class SessionFactory {
  readonly #maxSkewMs: number
  readonly #logger: Logger
  #warned = false

  /**
   * @param maxClockSkewSeconds - the largest server clock offset to apply, in seconds
   * @param logger - where the one warning goes
   */
  constructor(maxClockSkewSeconds: number, logger: Logger) {
    this.#maxSkewMs = maxClockSkewSeconds * 1000
    this.#logger = logger
  }

  /**
   * Builds the session of an auth response.
   *
   * @param received - the checked response, with its measured clock offset
   * @returns the frozen session
   * @throws {UnexpectedResponseError} `unexpected_response` when the token is not a PocketBase auth token of the
   * returned record.
   */
  build(received: ReceivedAuth): AuthSession {
    const offset = boundedClockOffsetMs(received.clockOffsetMs, this.#maxSkewMs)
    if (offset === undefined && !this.#warned) {
      this.#warned = true
      this.#logger.warn(
        'the server Date header is off by more than maxClockSkewSeconds; using the local clock',
        {
          offsetSeconds: Math.round(received.clockOffsetMs / 1000),
          maxClockSkewSeconds: this.#maxSkewMs / 1000,
        },
      )
    }
    return buildSession(received, offset ?? 0)
  }
}
