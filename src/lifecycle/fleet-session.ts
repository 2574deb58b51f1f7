import type { ResolvedConfig } from '../config.js'
import { isAuthError } from '../errors/auth-error.js'
import { NetworkError } from '../errors/transport.js'
import type { AuthEventEmitter } from '../events.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { readAuthTokenClaims } from '../session/claims.js'
import type { AuthSession } from '../session/types.js'
import type { SessionShare } from '../session/session-share.js'

/** How long the fleet's lock lasts unless released: long enough for a sign-in, short enough for a crash. */
export const FLEET_LOCK_MS = 15_000
/** How often a process waiting for another's session looks again when no notification comes. */
export const FLEET_POLL_MS = 250

const UNREACHABLE = Symbol('share unreachable')
type Reached<T> = T | typeof UNREACHABLE

/**
 * One client's side of a session shared by a fleet of processes (`createAuthClient({ share })`). Before this
 * process signs in or refreshes, it adopts a usable session another process published; otherwise it takes the
 * fleet's lock, obtains the session itself and publishes it, while the others wait for that publication (watched,
 * and polled every 250 ms as a fallback) and adopt it. A crashed lock holder blocks nobody past the lock's expiry.
 * When the share is unreachable the client signs in and refreshes alone (reported once through the logger and an
 * `error` event) and uses the share again as soon as it answers.
 */
export class FleetSession {
  readonly #share: SessionShare
  readonly #scope: string
  readonly #config: ResolvedConfig
  readonly #events: AuthEventEmitter
  readonly #toSession: (received: ReceivedAuth) => AuthSession
  /** Tokens this process saw the server reject: a stored copy of one is never adopted. */
  readonly #rejected: string[] = []
  #onPublished: ((received: ReceivedAuth) => void) | undefined
  #watching: Promise<(() => void) | undefined> | undefined
  readonly #waiters = new Set<() => void>()
  /** `obtain` calls in flight: a publication is theirs to adopt, not the watch's. */
  #obtaining = 0
  #unreachable = false
  #closed = false

  /**
   * @param share - the store the fleet shares
   * @param config - the client's resolved config (URL and collection make the scope; clock, logger)
   * @param events - where an unreachable share is reported (`error`, once per outage)
   * @param toSession - turns a response into a session, to publish what this process obtained
   */
  constructor(
    share: SessionShare,
    config: ResolvedConfig,
    events: AuthEventEmitter,
    toSession: (received: ReceivedAuth) => AuthSession,
  ) {
    this.#share = share
    this.#scope = `${config.url}|${config.collection}`
    this.#config = config
    this.#events = events
    this.#toSession = toSession
  }

  /**
   * Sets what happens when another process publishes a session (the lifecycle adopts it when it is newer).
   *
   * @param listener - called with the published session as a received response
   */
  onPublished(listener: (received: ReceivedAuth) => void): void {
    this.#onPublished = listener
  }

  /**
   * Remembers that the server rejected `token`, so that a stored copy of it is never adopted.
   *
   * @param token - the rejected token
   */
  noteRejected(token: string): void {
    if (this.#rejected.includes(token)) return
    this.#rejected.push(token)
    if (this.#rejected.length > 4) this.#rejected.shift()
  }

  /**
   * A session for this process: a usable one the fleet already shares, or one obtained under the fleet's lock and
   * published, or (share unreachable, or a lock holder that never publishes) one obtained alone. While it runs,
   * publications only wake it: the watch adopts nothing, so the caller (a sign-in, a refresh) gets the session
   * and applies it once, instead of finding the session changed under it (`aborted`, a second `signedIn`).
   *
   * @param isUsable - whether a stored session will do (e.g. newer than the one being refreshed)
   * @param obtainLocally - signs in or refreshes, as this process would without a share
   * @returns the session as a received response, adopted or obtained
   * @throws {AuthError} what `obtainLocally` throws.
   */
  async obtain(
    isUsable: (session: AuthSession) => boolean,
    obtainLocally: () => Promise<ReceivedAuth>,
  ): Promise<ReceivedAuth> {
    this.#startWatching()
    this.#obtaining++
    try {
      return await this.#obtain(isUsable, obtainLocally)
    } finally {
      this.#obtaining--
    }
  }

  async #obtain(
    isUsable: (session: AuthSession) => boolean,
    obtainLocally: () => Promise<ReceivedAuth>,
  ): Promise<ReceivedAuth> {
    const usable = (session: Reached<AuthSession | null>): session is AuthSession =>
      session !== UNREACHABLE &&
      session !== null &&
      !this.#rejected.includes(session.token) &&
      isUsable(session)
    const giveUpAt = this.#config.now() + 2 * FLEET_LOCK_MS
    for (;;) {
      const stored = await this.#reach(() => this.#share.load(this.#scope))
      if (usable(stored)) return receivedFromShared(stored)
      if (stored === UNREACHABLE) return obtainLocally()
      const release = await this.#reach(() => this.#share.lock(this.#scope, FLEET_LOCK_MS))
      if (release === UNREACHABLE) return obtainLocally()
      if (release !== null) return this.#obtainHoldingLock(usable, obtainLocally, release)
      if (this.#config.now() >= giveUpAt) return obtainLocally()
      await this.#nextPublication()
    }
  }

  async #obtainHoldingLock(
    usable: (session: Reached<AuthSession | null>) => session is AuthSession,
    obtainLocally: () => Promise<ReceivedAuth>,
    release: () => Promise<void>,
  ): Promise<ReceivedAuth> {
    try {
      // Another process may have published between our look and our lock.
      const stored = await this.#reach(() => this.#share.load(this.#scope))
      if (usable(stored)) return receivedFromShared(stored)
      const received = await obtainLocally()
      const session = this.#toSession(received)
      await this.#reach(() => this.#share.publish(this.#scope, session, release))
      return received
    } finally {
      void this.#reach(release)
    }
  }

  /** Stops watching the share. Idempotent. */
  close(): void {
    this.#closed = true
    void this.#watching?.then((unwatch) => unwatch?.())
    this.#watching = undefined
    for (const wake of this.#waiters) wake()
  }

  /** Watches the share; a watch that failed (share unreachable) is tried again at the next `obtain`. */
  #startWatching(): void {
    if (this.#watching !== undefined || this.#closed) return
    const watching: Promise<(() => void) | undefined> = this.#reach(() =>
      this.#share.watch(this.#scope, () => this.#published()),
    ).then((unwatch) => {
      if (unwatch !== UNREACHABLE) return unwatch
      if (this.#watching === watching) this.#watching = undefined
      return undefined
    })
    this.#watching = watching
  }

  #published(): void {
    for (const wake of [...this.#waiters]) wake()
    const listener = this.#onPublished
    if (listener === undefined || this.#closed || this.#obtaining > 0) return
    void this.#reach(() => this.#share.load(this.#scope)).then((stored) => {
      if (stored === UNREACHABLE || stored === null || this.#rejected.includes(stored.token)) return
      if (this.#closed || this.#obtaining > 0) return
      listener(receivedFromShared(stored))
    })
  }

  /** Waits for a publication, or the poll interval, whichever comes first. */
  #nextPublication(): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, FLEET_POLL_MS)
      ;(timer as { unref?: () => unknown }).unref?.()
      this.#waiters.add(wake)
    })
  }

  /** Runs one share operation; a failure is reported once per outage and answered with `UNREACHABLE`. */
  async #reach<T>(operation: () => Promise<T>): Promise<Reached<T>> {
    try {
      const result = await operation()
      if (this.#unreachable) {
        this.#unreachable = false
        this.#config.logger.info('session share reachable again', { collection: this.#config.collection })
      }
      return result
    } catch (error) {
      if (!this.#unreachable) {
        this.#unreachable = true
        this.#config.logger.error(
          'session share unreachable; signing in and refreshing alone until it is back',
          {
            collection: this.#config.collection,
            code: isAuthError(error) ? error.code : 'unknown',
          },
        )
        this.#events.emit(
          'error',
          isAuthError(error) ? error : new NetworkError('session share: unreachable', { cause: error }),
        )
      }
      return UNREACHABLE
    }
  }
}

/**
 * A shared session as the response it came from: `buildSession` on it gives back the same `expiresAt` (the
 * publisher's clock offset is carried in the offset) and `issuedAt`.
 *
 * @param session - the stored session
 * @returns a received response for the session factory and the sign-in runner
 */
export function receivedFromShared(session: AuthSession): ReceivedAuth {
  const claims = readAuthTokenClaims(session.token)
  return {
    body: { token: session.token, record: session.record },
    clockOffsetMs: claims === undefined ? 0 : claims.exp * 1000 - session.expiresAt,
    receivedAt: session.issuedAt,
    exchange: { method: 'GET', path: '(session share)' },
  }
}
