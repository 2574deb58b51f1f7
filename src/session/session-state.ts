import type { SignedOutReason } from '../events.js'
import type { ClientCore } from '../lifecycle/core.js'
import type { TokenStore } from './token-store.js'
import type { AuthSession } from './types.js'

/**
 * The one place the session changes. Every change bumps `version`, so work that started on an older session
 * (a refresh racing a logout or a new sign-in) can tell it is stale and discard its result.
 */
export class SessionState {
  readonly #store: TokenStore
  readonly #core: ClientCore
  #version = 0
  #signInIntent = 0

  /**
   * @param store - where the session lives
   * @param core - the client's shared parts (logger, scheduler, events)
   */
  constructor(store: TokenStore, core: ClientCore) {
    this.#store = store
    this.#core = core
  }

  /**
   * The current session, or `null`.
   *
   * @returns the store's session, or `null`
   */
  get current(): AuthSession | null {
    return this.#store.get()
  }

  /**
   * Bumped on every change of the session.
   *
   * @returns how many times the session changed so far, from 0
   */
  get version(): number {
    return this.#version
  }

  /**
   * Marks the start of a sign-in; a later sign-in or a logout makes this one stale.
   *
   * @returns the sign-in's intent, for `isLatestSignIn`
   */
  beginSignIn(): number {
    return ++this.#signInIntent
  }

  /**
   * Whether no sign-in or logout started after the one holding `intent`.
   *
   * @param intent - what `beginSignIn` returned
   * @returns `true` while that sign-in is the latest
   */
  isLatestSignIn(intent: number): boolean {
    return intent === this.#signInIntent
  }

  /** Makes every sign-in in flight stale (used by `logout()`). */
  supersedeSignIns(): void {
    this.#signInIntent++
  }

  /**
   * Stores a new session and announces it.
   *
   * @param session - the new session
   * @param event - the event to emit with it
   */
  apply(session: AuthSession, event: 'signedIn' | 'tokenRefreshed'): void {
    this.#store.set(session)
    this.#version++
    this.#core.config.logger.info(event === 'signedIn' ? 'signed in' : 'token refreshed', {
      collection: session.collectionName,
      recordId: session.recordId,
      expiresAt: formatTime(session.expiresAt),
      refreshable: session.refreshable,
    })
    this.#core.scheduler.reschedule()
    this.#core.events.emit(event, session)
  }

  /**
   * Forgets the session and announces why; does nothing when there is none.
   *
   * @param reason - sent with the `signedOut` event and logged
   */
  end(reason: SignedOutReason): void {
    const session = this.#store.get()
    if (session === null) return
    this.#store.clear()
    this.#version++
    this.#core.config.logger.info('signed out', {
      collection: session.collectionName,
      recordId: session.recordId,
      reason,
    })
    this.#core.scheduler.reschedule()
    this.#core.events.emit('signedOut', { reason })
  }
}

/** ISO time for a log line; a time `Date` cannot represent (a token claiming a far-off `exp`) is logged as-is. */
function formatTime(epochMs: number): string {
  const date = new Date(epochMs)
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString()
}
