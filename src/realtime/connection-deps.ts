import type { ResolvedConfig } from '../config.js'
import { pocketBaseRequest } from '../http/request.js'
import type { TokenOrigin } from '../lifecycle/token-keeper.js'
import type { AuthSession, SignedOutReason } from '../session/types.js'

/**
 * The longest the subscriptions go without being submitted again with a fresh token (and the token checked
 * with the server): PocketBase >= 0.38.1 drops a connection's auth silently when the user's password or the
 * collection's token secret changes, so this bounds how long that can go unnoticed.
 */
export const RESUBMIT_MS = 60_000

/** A connection open at least this long is healthy: when it drops, the first attempt to reconnect is at once. */
export const STABLE_MS = 5_000

/** What a connection hears about the session. */
export interface SessionHooks {
  signedIn(session: AuthSession): void
  tokenRefreshed(): void
  signedOut(reason: SignedOutReason): void
}

/** What a connection needs from its client and db-interface. */
export interface RealtimeDeps {
  /** The client's URL, `fetch`, time limit (per request, and for the stream's opening), clock and logger. */
  readonly config: ResolvedConfig
  /** The client's token keeper: the one path for tokens and rejected tokens. */
  readonly tokens: {
    getToken(origin: TokenOrigin): Promise<string>
    withToken<T>(call: (token: string) => Promise<T>, origin: TokenOrigin): Promise<T>
  }
  /** The client's current session. */
  readonly session: () => AuthSession | null
  /** Whether the client was disposed. */
  readonly isDisposed: () => boolean
  /** Listens to the client's session changes; returns the function that stops listening. */
  readonly watchSession: (hooks: SessionHooks) => () => void
  /** Asks the server whether `token` is valid (401 when not); `POST /api/files/token`. */
  readonly verify: (token: string, signal: AbortSignal | undefined) => Promise<unknown>
}

/**
 * The record a session belongs to: a connection serves one user.
 *
 * @param session - the session, or `null`
 * @returns `collectionId/recordId`, or `undefined` without a session
 */
export function identityOf(session: AuthSession | null): string | undefined {
  return session === null ? undefined : `${session.collectionId}/${session.recordId}`
}

/**
 * One submission of a connection's subscriptions (`POST /api/realtime`) with a token from the client's keeper:
 * first, when `verify` is set, the cheap request that proves the token is still valid; a token the server
 * rejects on either request takes the keeper's one path (refresh or sign in again, then once more).
 *
 * @param deps - the connection's dependencies
 * @param submission - the stream's client id, every topic, whether to check the token, who asks, and the
 * stream's signal (a submission of a stream that ended is aborted)
 * @throws {AuthError} what the keeper or the requests throw, e.g. `not_found` (the server forgot the client id),
 * `forbidden` (the connection's auth does not match), `token_expired`, transport codes.
 */
export async function submitSubscriptions(
  deps: RealtimeDeps,
  submission: {
    readonly clientId: string
    readonly subscriptions: readonly string[]
    readonly verify: boolean
    readonly origin: TokenOrigin
    readonly signal: AbortSignal | undefined
  },
): Promise<void> {
  const { clientId, subscriptions, verify, origin, signal } = submission
  await deps.tokens.withToken(async (token) => {
    if (verify) await deps.verify(token, signal)
    await pocketBaseRequest(deps.config, {
      method: 'POST',
      path: '/api/realtime',
      body: { clientId, subscriptions },
      token,
      signal,
    })
  }, origin)
}
