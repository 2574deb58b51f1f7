import type { ResolvedConfig } from '../config.js'
import { AuthEventEmitter } from '../events.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { SessionState, type SessionChange, type SessionChangeHook } from '../session/session-state.js'
import type { TokenStore } from '../session/token-store.js'
import type { AuthSession } from '../session/types.js'
import { FleetSession } from './fleet-session.js'
import { RefreshLoop } from './refresh-loop.js'
import { SessionFactory } from './session-factory.js'
import { SignInRunner } from './sign-in.js'
import { TokenKeeper } from './token-keeper.js'
import { TokenRefresher } from './token-refresher.js'
import { UnattendedSignIn } from './unattended-sign-in.js'

/** How an impersonated child client starts. */
export interface ChildStart {
  /** The child's first session, from the impersonate response. */
  readonly session: AuthSession
  /** Obtains a fresh impersonation token through the parent; `undefined` without `renew: true`. */
  readonly renew: (() => Promise<ReceivedAuth>) | undefined
}

/**
 * The parts of one client, built in order, each with what it needs and nothing more: the event emitter, the
 * session store (whose one change hook is this object's), the session factory, the sign-in runner, the
 * refresher, the unattended sign-in, the token keeper and the refresh loop. Lower parts never call up: the store reports changes through its hook, and this
 * object turns each change into a log line, a re-armed timer and an event. It also ends a client's impersonated
 * children with it (`logout()`, `dispose()`).
 */
export class SessionLifecycle implements SessionChangeHook {
  readonly config: ResolvedConfig
  readonly events: AuthEventEmitter
  readonly state: SessionState
  readonly sessions: SessionFactory
  readonly signIns: SignInRunner
  readonly refresher: TokenRefresher
  readonly keeper: TokenKeeper
  readonly #loop: RefreshLoop
  readonly #fleet: FleetSession | undefined
  /** Children made by `impersonate()`; weak, so a child nobody holds can still be collected. */
  #children: Set<WeakRef<SessionLifecycle>> | undefined
  #disposed = false
  /** Callbacks of the parts built on this client (realtime connections) to run at `dispose()`; made on first use. */
  #onDispose: Set<() => void> | undefined

  /**
   * @param config - the client's resolved config
   * @param store - where the session lives
   * @param child - set for an impersonated child: its first session and how it renews
   */
  constructor(config: ResolvedConfig, store: TokenStore, child?: ChildStart) {
    this.config = config
    this.events = new AuthEventEmitter(config.logger)
    this.state = new SessionState(store, this)
    this.sessions = new SessionFactory(config.maxClockSkewSeconds, config.logger)
    this.signIns = new SignInRunner(config, this.state, this.sessions, this.events)
    // Children never share: each impersonates for itself through its parent.
    const fleet =
      config.share === undefined || child !== undefined
        ? undefined
        : new FleetSession(config.share, config, this.events, (received) => this.sessions.build(received))
    this.#fleet = fleet
    this.refresher = new TokenRefresher(config, this.state, this.sessions, this.events, child?.renew, fleet)
    const unattended = new UnattendedSignIn(config, this.signIns, fleet)
    this.keeper = new TokenKeeper(config, this.state, this.refresher, unattended, child !== undefined)
    this.#loop = new RefreshLoop(config, this.state, this.refresher, this.keeper, this.events)
    fleet?.onPublished((received) => this.#adoptPublished(received))
    if (child !== undefined) this.state.apply(child.session, 'signedIn')
  }

  /** Adopts a session another process of the fleet published, when it is newer than this one's. */
  #adoptPublished(received: ReceivedAuth): void {
    if (this.#disposed || this.keeper.isLoggedOut) return
    let session: AuthSession
    try {
      session = this.sessions.build(received)
    } catch {
      return // not a PocketBase auth token of the record: nothing to adopt (the share is sealed; this is a bug)
    }
    const current = this.state.current
    if (session.expiresAt <= this.config.now()) return
    // Another identity's session (two accounts on one share key) is never adopted over this one.
    if (current !== null && (session.recordId !== current.recordId || session.expiresAt <= current.expiresAt))
      return
    this.state.apply(session, current === null ? 'signedIn' : 'tokenRefreshed')
  }

  /**
   * Whether `dispose()` was called.
   *
   * @returns `true` once disposed
   */
  get disposed(): boolean {
    return this.#disposed
  }

  /**
   * The session store's change hook: a log line, the re-armed timer, then the event. Called by `SessionState`
   * only.
   *
   * @param change - what changed
   */
  sessionChanged(change: SessionChange): void {
    const { logger } = this.config
    if (change.kind === 'signedOut') {
      const { previous, reason } = change
      logger.info('signed out', { collection: previous.collectionName, recordId: previous.recordId, reason })
    } else {
      const { session, kind } = change
      logger.info(kind === 'signedIn' ? 'signed in' : 'token refreshed', {
        collection: session.collectionName,
        recordId: session.recordId,
        expiresAt: formatTime(session.expiresAt),
        refreshable: session.refreshable,
      })
      if (kind === 'signedIn') this.keeper.noteSignedIn()
    }
    this.#loop.reschedule()
    if (change.kind === 'signedOut') this.events.emit('signedOut', { reason: change.reason })
    else this.events.emit(change.kind, change.session)
  }

  /**
   * Ties an impersonated child to this client: the child ends with this client's `logout()` or `dispose()`, at
   * once when this client is already disposed.
   *
   * @param child - the child's lifecycle
   */
  adopt(child: SessionLifecycle): void {
    if (this.#disposed) {
      // An impersonate() that was in flight when this client was disposed: the child must not outlive it.
      child.logout()
      child.dispose()
      return
    }
    const children = (this.#children ??= new Set())
    // Forget collected children now and then, so a long-lived parent does not keep their empty references.
    if (children.size >= 64 && (children.size & (children.size - 1)) === 0)
      this.#forEachChild(() => undefined)
    children.add(new WeakRef(child))
  }

  /**
   * Stops the background refresh timer for good, leaving the client usable: its calls still refresh (or renew)
   * on demand. Idempotent. (An impersonation pool's evicted child: no timer, and no failed call for its holder.)
   */
  stopBackgroundRefresh(): void {
    this.#loop.stop()
  }

  /**
   * Ends the session locally (`signedOut` with reason `logout`), makes sign-ins in flight stale, stops the timer
   * and ends every impersonated child the same way. No background path signs in through `credentials` again
   * until the next sign-in; an explicit sign-in or `getToken()` still may.
   */
  logout(): void {
    this.state.supersedeSignIns()
    this.keeper.markLoggedOut()
    this.state.end('logout')
    // Also when there was no session: a background re-sign-in may be waiting to retry.
    this.#loop.reschedule()
    this.#forEachChild((child) => child.logout())
  }

  /**
   * Closes the client for good: stops the timer, ends and disposes every impersonated child, refuses every later
   * call (`not_authenticated` naming `dispose()`) and drops the listeners. The session stays readable.
   * Idempotent.
   */
  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    // A sign-in in flight would store a session nobody can use any more: make it stale.
    this.state.supersedeSignIns()
    this.#loop.stop()
    this.keeper.dispose()
    this.#fleet?.close()
    this.#forEachChild((child) => {
      child.logout()
      child.dispose()
    })
    this.#children = undefined
    const callbacks = this.#onDispose
    this.#onDispose = undefined
    for (const callback of callbacks ?? []) {
      try {
        callback()
      } catch (error) {
        this.events.emit('error', error instanceof Error ? error : new Error('a dispose callback threw'))
      }
    }
    this.events.removeAll()
  }

  /**
   * Runs `callback` when this client is disposed (at once if it already is), before its listeners are dropped:
   * for parts built on the client that hold resources of their own, such as a realtime connection.
   *
   * @param callback - called once, synchronously inside `dispose()`
   * @returns a function that forgets the callback
   */
  whenDisposed(callback: () => void): () => void {
    if (this.#disposed) {
      callback()
      return () => undefined
    }
    const callbacks = (this.#onDispose ??= new Set())
    callbacks.add(callback)
    return () => void callbacks.delete(callback)
  }

  /** Runs `action` on every child not yet disposed, and forgets the children that were collected. */
  #forEachChild(action: (child: SessionLifecycle) => void): void {
    if (this.#children === undefined) return
    for (const ref of [...this.#children]) {
      const child = ref.deref()
      if (child === undefined) this.#children.delete(ref)
      else if (!child.disposed) action(child)
    }
  }
}

/** ISO time for a log line; a time `Date` cannot represent (a token claiming a far-off `exp`) is logged as-is. */
function formatTime(epochMs: number): string {
  const date = new Date(epochMs)
  return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString()
}
