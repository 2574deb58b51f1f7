import type { TokenStore } from './token-store.js'
import type { AuthSession, SignedOutReason } from './types.js'

/** One change of the session, as `SessionState` reports it to its change hook. */
export type SessionChange =
  | { readonly kind: 'signedIn' | 'tokenRefreshed'; readonly session: AuthSession }
  | { readonly kind: 'signedOut'; readonly reason: SignedOutReason; readonly previous: AuthSession }

/** Hears every change of a `SessionState` (the client's lifecycle). */
export interface SessionChangeHook {
  /**
   * Called synchronously after every change, once per change.
   *
   * @param change - what changed
   */
  sessionChanged(change: SessionChange): void
}

/**
 * The session as a passive store: the one place it changes, and one change hook that hears every change. It
 * calls nothing else; whoever builds it decides what a change sets off (logging, the refresh loop, events).
 *
 * Every change bumps `version`, so work that started on an older session (a refresh racing a logout or a new
 * sign-in) can tell it is stale and discard its result. Sign-ins take an intent from `beginSignIn()`; a later
 * sign-in or `supersedeSignIns()` (logout) makes earlier ones stale.
 */
export class SessionState {
  readonly #store: TokenStore
  readonly #hook: SessionChangeHook
  #version = 0
  #signInIntent = 0

  /**
   * @param store - where the session lives
   * @param hook - hears every change (an object, not a closure: a process may hold thousands of sessions)
   */
  constructor(store: TokenStore, hook: SessionChangeHook) {
    this.#store = store
    this.#hook = hook
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
   * Stores a new session and reports it to the change hook.
   *
   * @param session - the new session
   * @param kind - `signedIn` for a sign-in, `tokenRefreshed` for a refresh or renewal
   */
  apply(session: AuthSession, kind: 'signedIn' | 'tokenRefreshed'): void {
    this.#store.set(session)
    this.#version++
    this.#hook.sessionChanged({ kind, session })
  }

  /**
   * Forgets the session and reports why to the change hook; does nothing when there is none.
   *
   * @param reason - why the session ended
   */
  end(reason: SignedOutReason): void {
    const previous = this.#store.get()
    if (previous === null) return
    this.#store.clear()
    this.#version++
    this.#hook.sessionChanged({ kind: 'signedOut', reason, previous })
  }
}
