import type { SessionLifecycle } from '../lifecycle/session-lifecycle.js'
import { RealtimeConnection } from '../realtime/connection.js'
import { FileTokens } from './file-tokens.js'

/**
 * The file-token cache of a db-interface, forgotten when the session ends.
 *
 * @param life - the client's lifecycle (config, token keeper, events)
 * @returns the cache
 */
export function createFileTokens(life: SessionLifecycle): FileTokens {
  const tokens = new FileTokens(life.config, life.keeper)
  life.events.on('signedOut', () => tokens.clear())
  return tokens
}

/**
 * The realtime connection of a db-interface, wired to its client: tokens through the client's token keeper,
 * session changes from the client's events, and the file-token request as the check that a token is still valid.
 *
 * @param life - the client's lifecycle
 * @param fileTokens - the db-interface's file-token cache (created on first use)
 * @returns a connection in state `idle`; nothing is opened before the first `subscribe`
 */
export function createRealtimeConnection(
  life: SessionLifecycle,
  fileTokens: () => FileTokens,
): RealtimeConnection {
  return new RealtimeConnection({
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
}
