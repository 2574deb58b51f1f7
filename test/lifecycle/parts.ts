/**
 * Building blocks for the unit tests of the lifecycle parts, each constructed alone (no `createAuthClient`): a
 * hand-moved clock shared with the fake server, a logger that records its lines, a resolved config, a recorder of
 * `SessionState` changes and of emitted events, and sessions built from what the fake server issues.
 */
import { resolveConfig, type AuthClientOptions, type ResolvedConfig } from '../../src/config.js'
import { AuthEventEmitter, type AuthEventName, type AuthEvents } from '../../src/events.js'
import { silentLogger, type LogContext, type Logger } from '../../src/logger.js'
import { parseAuthResponse } from '../../src/session/auth-response.js'
import { buildSession, type ReceivedAuth } from '../../src/session/build-session.js'
import type { SessionChange } from '../../src/session/session-state.js'
import type { AuthSession } from '../../src/session/types.js'
import {
  createFakePocketBase,
  type FakePocketBase,
  type FakePocketBaseOptions,
} from '../fixtures/fake-pocketbase.js'

/** Epoch ms every clock of these tests starts at. */
export const START = 1_700_000_000_000

/** A clock the test moves by hand. */
export interface Clock {
  now: number
}

/** One line a recording logger received. */
export interface LogLine {
  readonly level: keyof Logger
  readonly message: string
  readonly context: LogContext | undefined
}

/**
 * A logger that keeps every line.
 *
 * @param sink - where lines go (shared with other recorders to check the order of things)
 * @returns the logger and the lines it received
 */
export function recordingLogger(sink: unknown[] = []): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const at =
    (level: keyof Logger) =>
    (message: string, context?: LogContext): void => {
      const line = { level, message, context }
      lines.push(line)
      sink.push(line)
    }
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines }
}

/** Everything a part test needs: clock, fake server, logger and the resolved config over them. */
export interface PartWorld {
  readonly clock: Clock
  readonly pb: FakePocketBase
  readonly lines: LogLine[]
  readonly config: ResolvedConfig
}

/**
 * A resolved config on a fake PocketBase that shares the test's clock; `autoRefresh` off unless asked for.
 *
 * @param options - client options on top of the defaults here
 * @param server - fake server options (`now` is always the shared clock)
 * @param clock - the clock to share; a new one at `START` by default
 * @returns the world
 */
export function partWorld(
  options: Partial<AuthClientOptions> = {},
  server: FakePocketBaseOptions = {},
  clock: Clock = { now: START },
): PartWorld {
  const pb = createFakePocketBase({ ...server, now: () => clock.now })
  const { logger, lines } = recordingLogger()
  const config = resolveConfig({
    url: 'http://pb.test',
    fetch: pb.fetch,
    now: () => clock.now,
    autoRefresh: false,
    logger,
    ...options,
  })
  return { clock, pb, lines, config }
}

/**
 * An auth response as `requestAuth` would hand it on, from a body the fake server issues now.
 *
 * @param pb - the fake server
 * @param clock - when it arrives
 * @param overrides - token lifetime and refreshability, and the server clock offset to report
 * @returns the received response
 */
export function receivedFrom(
  pb: FakePocketBase,
  clock: Clock,
  overrides: { tokenSeconds?: number; refreshable?: boolean; clockOffsetMs?: number } = {},
): ReceivedAuth {
  const { clockOffsetMs = 0, ...issue } = overrides
  const body = parseAuthResponse(pb.issue(issue))
  if (body === undefined) throw new Error('the fake server issued an unreadable auth body')
  return {
    body,
    clockOffsetMs,
    receivedAt: clock.now,
    exchange: { method: 'POST', path: '/api/collections/users/auth-with-password', status: 200 },
  }
}

/** Records every `SessionState` change, for a state built with `changes.hook`. */
export function changeRecorder(): { hook: (change: SessionChange) => void; changes: SessionChange[] } {
  const changes: SessionChange[] = []
  return { hook: (change) => void changes.push(change), changes }
}

/** Every event of an emitter, by name, in order of emission. */
export type RecordedEvents = { -readonly [K in AuthEventName]: AuthEvents[K][] }

/** An emitter whose listener failures are rethrown instead of logged and re-emitted. */
class RethrowingEmitter extends AuthEventEmitter {
  protected override listenerFailed(error: unknown): void {
    throw error
  }
}

/**
 * An emitter whose every event is recorded; a listener failure is rethrown, so a test sees it.
 *
 * @returns the emitter and what it emitted
 */
export function recordingEmitter(): { events: AuthEventEmitter; seen: RecordedEvents } {
  const events = new RethrowingEmitter(silentLogger)
  const seen: RecordedEvents = {
    signedIn: [],
    tokenRefreshed: [],
    signedOut: [],
    mfaRequired: [],
    refreshFailed: [],
    expiring: [],
    error: [],
  }
  for (const name of Object.keys(seen) as AuthEventName[]) {
    events.on(name, (payload) => void (seen[name] as unknown[]).push(payload))
  }
  return { events, seen }
}

/**
 * A frozen session as the lifecycle builds it (no clock offset), for tests that only need a session.
 *
 * @param pb - the fake server issuing the token
 * @param clock - when it was received
 * @param overrides - token lifetime and refreshability
 * @returns the session
 */
export function sessionFrom(
  pb: FakePocketBase,
  clock: Clock,
  overrides: { tokenSeconds?: number; refreshable?: boolean } = {},
): AuthSession {
  return buildSession(receivedFrom(pb, clock, overrides))
}
