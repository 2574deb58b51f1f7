import type { SessionLifecycle } from '../lifecycle/session-lifecycle.js'
import { RealtimeConnection } from '../realtime/connection.js'
import { FileTokens } from './file-tokens.js'

/** One file-token cache per client, shared by its db-interfaces (one listener per client, not per db-interface). */
const FILE_TOKENS = new WeakMap<SessionLifecycle, FileTokens>()

/**
 * The file-token cache of a client, forgotten when its session ends.
 *
 * @param life - the client's lifecycle (config, token keeper, events)
 * @returns the client's cache (created on first use)
 */
export function fileTokensOf(life: SessionLifecycle): FileTokens {
  let tokens = FILE_TOKENS.get(life)
  if (tokens === undefined) {
    const created = new FileTokens(life.config, life.keeper)
    life.events.on('signedOut', () => created.clear())
    FILE_TOKENS.set(life, (tokens = created))
  }
  return tokens
}

/**
 * The realtime connection of a db-interface, wired to its client: tokens through the client's token keeper,
 * session changes from the client's events, and the file-token request as the check that a token is still valid.
 *
 * @param life - the client's lifecycle
 * @param fileTokens - the client's file-token cache (created on first use)
 * @returns a connection in state `idle`; nothing is opened before the first `subscribe`
 */
export function createRealtimeConnection(
  life: SessionLifecycle,
  fileTokens: () => FileTokens,
): RealtimeConnection {
  const connection = new RealtimeConnection({
    config: life.config,
    tokens: life.keeper,
    session: () => life.state.current,
    isDisposed: () => life.disposed,
    watchSession: (hooks) => {
      const stops = [
        life.events.on('signedIn', (session) => hooks.signedIn(session)),
        life.events.on('tokenRefreshed', () => hooks.tokenRefreshed()),
        life.events.on('signedOut', ({ reason }) => hooks.signedOut(reason)),
      ]
      return () => {
        for (const stop of stops) stop()
      }
    },
    verify: (token, signal) => fileTokens().fetchWith(token, signal),
  })
  // The client's dispose() closes the connection at once (its listeners, which would have told it, are dropped).
  life.whenDisposed(() => connection.clientDisposed())
  return connection
}
