/**
 * Shared set-up of the realtime unit tests: a signed-in client on the fake realtime server, its db-interface,
 * a hand-moved clock, and a recorder of `db.realtime`'s events. Timers are faked (setTimeout and friends only);
 * `flush()` lets the fake server's promises and streams run without moving the clock.
 */
import { afterEach, vi } from 'vitest'
import {
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type AuthClientOptions,
  type DbInterface,
  type RealtimeEvents,
} from '../../src/index.js'
import { createFakeRealtime, type FakeRealtime } from './fake-realtime.js'

export interface RealtimeSetup {
  readonly fake: FakeRealtime
  readonly auth: AuthClient
  readonly db: DbInterface
  readonly clock: { now: number }
  /** Every `db.realtime` event so far, in order, as `[name, payload]`. */
  readonly seen: [keyof RealtimeEvents, unknown][]
  /** The names of the events seen so far. */
  names(): string[]
}

const clients: AuthClient[] = []
const dbs: DbInterface[] = []

/** Registers the clean-up: fake timers off, every client disposed and every connection closed. */
export function useRealtimeSetup(): void {
  afterEach(() => {
    for (const db of dbs.splice(0)) db.realtime.close()
    for (const auth of clients.splice(0)) auth.dispose()
    vi.restoreAllMocks()
    vi.useRealTimers()
  })
}

/** Lets pending promises, stream reads and the fake's replies run; the clock does not move. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/**
 * Moves the clock and the fake timers by `ms`, then flushes. (A `setTimeout(fn, 0)` made while the fake timers
 * are ticking is due 1 ms later: pass at least 1 to reach it.)
 */
export async function advance(setup: RealtimeSetup, ms: number): Promise<void> {
  setup.clock.now += ms
  await vi.advanceTimersByTimeAsync(ms)
  await flush()
}

/**
 * A client signed in on a fake realtime server (unless `signIn: false`), and its db-interface.
 *
 * @param options - client options; `tokenSeconds` sets the fake's token lifetime (default 3600)
 */
export async function realtimeSetup(
  options: Partial<AuthClientOptions> & { tokenSeconds?: number; signIn?: boolean; recordId?: string } = {},
): Promise<RealtimeSetup> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
  const { tokenSeconds, signIn, recordId, ...clientOptions } = options
  const clock = { now: Date.UTC(2026, 0, 1) }
  const fake = createFakeRealtime({
    now: () => clock.now,
    ...(tokenSeconds === undefined ? {} : { tokenSeconds }),
    ...(recordId === undefined ? {} : { recordId }),
  })
  const auth = createAuthClient({
    url: 'http://pb.test',
    fetch: fake.fetch,
    now: () => clock.now,
    autoRefresh: false,
    ...clientOptions,
  })
  clients.push(auth)
  if (signIn !== false) await auth.authWithPassword('alice@example.com', 'pw')
  const db = createDbInterface(auth)
  dbs.push(db)
  const seen: [keyof RealtimeEvents, unknown][] = []
  db.realtime.on('connected', (payload) => void seen.push(['connected', payload]))
  db.realtime.on('disconnected', (payload) => void seen.push(['disconnected', payload]))
  db.realtime.on('error', (payload) => void seen.push(['error', payload]))
  return { fake, auth, db, clock, seen, names: () => seen.map(([name]) => name) }
}
