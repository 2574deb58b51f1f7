import type { AuthSession } from './types.js'

/**
 * Where a fleet of processes keeps the one session they share, so that they sign in once, refresh once and
 * re-sign-in once for all (`pocketbase-auth/redis` implements it over Redis). The client drives it; an
 * implementation only stores, locks and notifies. Every method rejects (never throws synchronously) when the store
 * is unreachable; the client then falls back to its own sign-in and refresh, and tries the share again next time.
 *
 * `scope` names one identity of one server (the client passes its URL and collection); an implementation keeps
 * scopes apart and seals what it stores (the session holds a bearer token).
 */
export interface SessionShare {
  /**
   * The session stored for `scope`.
   *
   * @param scope - the identity's scope
   * @returns the session, or `null` when none is stored (or it cannot be unsealed)
   */
  load(scope: string): Promise<AuthSession | null>
  /**
   * Takes the fleet's lock of `scope` for at most `ttlMs`, so a crashed holder never blocks the fleet.
   *
   * @param scope - the identity's scope
   * @param ttlMs - how long the lock lasts unless released
   * @returns a function that releases the lock (only if still held by this taker), or `null` when another
   * process holds it
   */
  lock(scope: string, ttlMs: number): Promise<(() => Promise<void>) | null>
  /**
   * Stores `session` for `scope` and notifies every process watching it. Given the release function `lock`
   * returned, it stores only while that lock is still held by its taker (a holder whose lock expired and was taken
   * by another never overwrites the newer session); the client always publishes that way.
   *
   * @param scope - the identity's scope
   * @param session - the session this process obtained
   * @param lock - the release function of the lock this process holds for `scope`
   */
  publish(scope: string, session: AuthSession, lock?: () => Promise<void>): Promise<void>
  /**
   * Calls `listener` whenever a session of `scope` is published, by any process.
   *
   * @param scope - the identity's scope
   * @param listener - called without arguments; read the session with `load`
   * @returns the unsubscribe function, once the watch is in place
   */
  watch(scope: string, listener: () => void): Promise<() => void>
}
