/**
 * SessionLifecycle alone (no AuthClient): the wiring. One change becomes a log line, a re-armed timer and an
 * event, in that order; a client's impersonated children end with its logout() and dispose(); a child nobody
 * holds is collected and forgotten.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveConfig, type AuthClientOptions } from '../../src/config.js'
import { passwordSignIn } from '../../src/flows/password.js'
import { SessionLifecycle } from '../../src/lifecycle/session-lifecycle.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import type { AuthSession } from '../../src/session/types.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { recordingLogger, sessionFrom, START, type Clock } from './parts.js'

const PASSWORD = 'POST /api/collections/users/auth-with-password'
const REFRESH = 'POST /api/collections/users/auth-refresh'

const lifecycles: SessionLifecycle[] = []
afterEach(() => {
  for (const life of lifecycles.splice(0)) life.dispose()
})

/** A lifecycle on a fake server issuing 60 s tokens, its log lines and events going to one ordered `sink`. */
function build(
  options: Partial<AuthClientOptions> = {},
  clock: Clock = {
    get now() {
      return Date.now()
    },
  } as Clock,
  pb: FakePocketBase = createFakePocketBase({ tokenSeconds: 60, now: () => clock.now }),
) {
  const sink: unknown[] = []
  const { logger, lines } = recordingLogger(sink)
  const config = resolveConfig({
    url: 'http://pb.test',
    fetch: pb.fetch,
    now: () => clock.now,
    logger,
    ...options,
  })
  const life = new SessionLifecycle(config, new MemoryTokenStore())
  lifecycles.push(life)
  const signedOut: string[] = []
  life.events.on('signedOut', ({ reason }) => signedOut.push(reason))
  const session = (overrides: { refreshable?: boolean } = {}) => sessionFrom(pb, clock, overrides)
  /** A child of this lifecycle, as `impersonate()` makes it (no renew unless given), adopted. */
  const child = (childOptions: Partial<AuthClientOptions> = {}) => {
    const made = new SessionLifecycle(
      resolveConfig({ ...config, store: undefined, credentials: undefined, ...childOptions }),
      new MemoryTokenStore(),
      {
        session: session({ refreshable: false }),
        renew: undefined,
      },
    )
    lifecycles.push(made)
    const ended: string[] = []
    made.events.on('signedOut', ({ reason }) => ended.push(reason))
    life.adopt(made)
    return { life: made, ended }
  }
  return { life, pb, clock, sink, lines, signedOut, session, child }
}

describe('SessionLifecycle: construction', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('builds every part and starts nothing: no session, no timer, no log line, not disposed', () => {
    const { life, lines } = build()
    expect(life.state.current).toBeNull()
    expect(life.disposed).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    expect(lines).toEqual([])
  })

  it('a child starts signed in with its first session, its refresh timer armed', () => {
    const { session } = build()
    const first = session({ refreshable: false })
    const config = resolveConfig({ url: 'http://pb.test', now: () => Date.now() })
    const child = new SessionLifecycle(config, new MemoryTokenStore(), { session: first, renew: undefined })
    lifecycles.push(child)
    expect(child.state.current).toBe(first)
    expect(vi.getTimerCount()).toBe(1)
  })

  it('a child is told to impersonate again once its session is gone', async () => {
    const { child } = build()
    const { life } = child()
    life.logout()
    await expect(life.keeper.getToken()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('impersonate again through the parent'),
    })
  })
})

describe('SessionLifecycle: one change → a log line, a re-armed timer, an event (in that order)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Records each event into the sink with the number of armed timers at that moment. */
  function listen(made: ReturnType<typeof build>) {
    for (const event of ['signedIn', 'tokenRefreshed', 'signedOut'] as const) {
      made.life.events.on(event, () => void made.sink.push({ event, timers: vi.getTimerCount() }))
    }
  }

  it('signedIn', () => {
    const made = build()
    listen(made)
    const session = made.session()
    made.life.state.apply(session, 'signedIn')
    expect(made.sink).toEqual([
      {
        level: 'info',
        message: 'signed in',
        context: {
          collection: 'users',
          recordId: 'record1234567ab',
          expiresAt: new Date(session.expiresAt).toISOString(),
          refreshable: true,
        },
      },
      {
        level: 'debug',
        message: 'refresh timer armed',
        context: { inMs: expect.any(Number), refreshable: true },
      },
      { event: 'signedIn', timers: 1 },
    ])
  })

  it('tokenRefreshed', () => {
    const made = build()
    made.life.state.apply(made.session(), 'signedIn')
    listen(made)
    made.sink.length = 0
    made.life.state.apply(made.session(), 'tokenRefreshed')
    expect(made.sink).toEqual([
      expect.objectContaining({ level: 'info', message: 'token refreshed' }),
      expect.objectContaining({ level: 'debug', message: 'refresh timer armed' }),
      { event: 'tokenRefreshed', timers: 1 },
    ])
  })

  it('signedOut: the line names the reason, the timer is disarmed before listeners hear it', () => {
    const made = build()
    made.life.state.apply(made.session(), 'signedIn')
    listen(made)
    made.sink.length = 0
    made.life.state.end('revoked')
    expect(made.sink).toEqual([
      {
        level: 'info',
        message: 'signed out',
        context: { collection: 'users', recordId: 'record1234567ab', reason: 'revoked' },
      },
      { event: 'signedOut', timers: 0 },
    ])
  })

  it('a listener that reads the client sees the new state (the event comes last)', () => {
    const { life, session } = build()
    const seen: (AuthSession | null)[] = []
    life.events.on('signedIn', () => void seen.push(life.state.current))
    const first = session()
    life.state.apply(first, 'signedIn')
    expect(seen).toEqual([first])
  })

  it('logs an expiry that Date cannot represent as it is, instead of throwing', () => {
    const { life, session, lines } = build()
    const far = Object.freeze({ ...session(), expiresAt: 9e15 })
    expect(() => life.state.apply(far, 'signedIn')).not.toThrow()
    expect(lines[0]!.context).toMatchObject({ expiresAt: '9000000000000000' })
  })

  it('a signedIn lets background paths sign in through credentials again after a logout; a refresh does not', () => {
    const { life, session } = build({ credentials: () => ({ identity: 'a@example.com', password: 'pw-1' }) })
    life.state.apply(session(), 'signedIn')
    life.logout()
    expect(life.keeper.maySignInUnattended('background')).toBe(false)
    life.state.apply(session(), 'tokenRefreshed')
    expect(life.keeper.maySignInUnattended('background')).toBe(false)
    life.state.apply(session(), 'signedIn')
    expect(life.keeper.maySignInUnattended('background')).toBe(true)
  })

  it('the wiring drives a real refresh: the timer refreshes through the fake server and re-arms', async () => {
    const { life, pb, session } = build()
    const refreshed: AuthSession[] = []
    life.events.on('tokenRefreshed', (s) => void refreshed.push(s))
    life.state.apply(session(), 'signedIn')
    await vi.advanceTimersByTimeAsync(60_000 * 3)
    expect(pb.count(REFRESH)).toBeGreaterThanOrEqual(3)
    expect(refreshed).toHaveLength(pb.count(REFRESH))
    expect(vi.getTimerCount()).toBe(1)
  })
})

describe('SessionLifecycle.logout', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START })
    vi.spyOn(Math, 'random').mockReturnValue(0)
  })
  afterEach(() => {
    vi.restoreAllMocks()
    vi.useRealTimers()
  })

  it('ends the session with reason logout, disarms the timer, and forbids background sign-ins', () => {
    const { life, session, signedOut } = build({
      credentials: () => ({ identity: 'a@example.com', password: 'pw-1' }),
    })
    life.state.apply(session(), 'signedIn')
    life.logout()
    expect(life.state.current).toBeNull()
    expect(signedOut).toEqual(['logout'])
    expect(vi.getTimerCount()).toBe(0)
    expect(life.keeper.maySignInUnattended('background')).toBe(false)
    expect(life.keeper.maySignInUnattended('caller')).toBe(true)
  })

  it('discards a sign-in in flight (aborted)', async () => {
    const { life, pb } = build()
    const held = deferred<FakeReply>()
    pb.on(PASSWORD, () => held.promise)
    const running = life.signIns.run('password', () =>
      passwordSignIn(life.config, 'users', 'a@example.com', 'pw-1'),
    )
    life.logout()
    held.resolve(pb.authReply())
    await expect(running).rejects.toMatchObject({ code: 'aborted' })
    expect(life.state.current).toBeNull()
  })

  it('ends every adopted child (signedOut logout), the children of children too', () => {
    const { life, session, child } = build()
    life.state.apply(session(), 'signedIn')
    const a = child()
    const b = child()
    const grandchildOwner = build()
    const grandchild = grandchildOwner.child()
    a.life.adopt(grandchild.life)
    life.logout()
    expect(a.ended).toEqual(['logout'])
    expect(b.ended).toEqual(['logout'])
    expect(grandchild.ended).toEqual(['logout'])
    expect([a, b, grandchild].every(({ life: kid }) => kid.state.current === null)).toBe(true)
  })

  it('ends the children also when the parent has no session (no signedOut for the parent)', () => {
    const { life, child, signedOut } = build()
    const kid = child()
    life.logout()
    expect(signedOut).toEqual([])
    expect(kid.ended).toEqual(['logout'])
  })

  it('skips a child its owner already disposed (its session stays as it was)', () => {
    const { life, child } = build()
    const kid = child()
    const other = child()
    kid.life.dispose()
    expect(() => life.logout()).not.toThrow()
    expect(kid.ended).toEqual([])
    expect(kid.life.state.current).not.toBeNull()
    expect(other.ended).toEqual(['logout'])
  })

  it('a child whose parent logged out once is not ended again by a second logout', () => {
    const { life, child } = build()
    const kid = child()
    life.logout()
    life.logout()
    expect(kid.ended).toEqual(['logout'])
  })

  it('cancels a background re-sign-in waiting to retry, also when there is no session', async () => {
    const { life, pb, session } = build({
      credentials: () => ({ identity: 'a@example.com', password: 'pw-1' }),
    })
    pb.on(REFRESH, () => REJECTED_TOKEN)
    pb.on(PASSWORD, () => connectionRefused())
    life.state.apply(session(), 'signedIn')
    await vi.advanceTimersByTimeAsync(48_000) // refresh rejected → session ended → sign-in fails → retry armed
    expect(life.state.current).toBeNull()
    expect(pb.count(PASSWORD)).toBe(1)
    expect(vi.getTimerCount()).toBe(1)
    life.logout()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pb.count(PASSWORD)).toBe(1)
  })
})

describe('SessionLifecycle.dispose', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('stops the timer, refuses the keeper, keeps the session readable; idempotent', async () => {
    const { life, session, pb } = build()
    const first = session()
    life.state.apply(first, 'signedIn')
    life.dispose()
    life.dispose()
    expect(life.disposed).toBe(true)
    expect(vi.getTimerCount()).toBe(0)
    expect(life.state.current).toBe(first)
    await expect(life.keeper.getToken()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('dispose()'),
    })
    await expect(life.refresher.refresh()).rejects.toMatchObject({ code: 'not_authenticated' })
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pb.calls).toHaveLength(0)
  })

  it('drops every listener', () => {
    const { life } = build()
    const heard: Error[] = []
    life.events.on('error', (error) => void heard.push(error))
    life.dispose()
    life.events.emit('error', new Error('after dispose'))
    expect(heard).toEqual([])
  })

  it('ends (signedOut logout) and disposes every child, whose keeper then refuses too', async () => {
    const { life, child } = build()
    const kids = [child(), child()]
    life.dispose()
    expect(kids.map((kid) => kid.ended)).toEqual([['logout'], ['logout']])
    expect(kids.every((kid) => kid.life.disposed)).toBe(true)
    await expect(kids[0]!.life.keeper.getToken()).rejects.toMatchObject({
      message: expect.stringContaining('dispose()'),
    })
  })

  it('runs whenDisposed callbacks once, inside dispose(), before the listeners are dropped; a throwing one is an error event', () => {
    const { life } = build()
    const order: string[] = []
    const heard: Error[] = []
    life.events.on('error', (error) => void heard.push(error))
    life.whenDisposed(() => {
      order.push('first')
      throw new Error('a part failed to close')
    })
    const forget = life.whenDisposed(() => order.push('forgotten'))
    life.whenDisposed(() => order.push('second'))
    forget()
    life.dispose()
    life.dispose()
    expect(order).toEqual(['first', 'second'])
    expect(heard.map((error) => error.message)).toEqual(['a part failed to close'])
    const late: string[] = []
    life.whenDisposed(() => late.push('at once'))
    expect(late).toEqual(['at once'])
  })

  it('disposing a child leaves its parent and siblings alone', () => {
    const { life, session, child, signedOut } = build()
    life.state.apply(session(), 'signedIn')
    const [a, b] = [child(), child()]
    a.life.dispose()
    expect(life.state.current).not.toBeNull()
    expect(signedOut).toEqual([])
    expect(b.life.disposed).toBe(false)
    expect(b.ended).toEqual([])
  })
})

describe('SessionLifecycle.adopt: children are held weakly', () => {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void

  /** Adopts `count` children that nothing else holds; resolves once the garbage collector has taken them all. */
  async function adoptAndCollect(
    parent: SessionLifecycle,
    make: () => SessionLifecycle,
    count: number,
  ): Promise<void> {
    let collected = 0
    const registry = new FinalizationRegistry(() => void collected++)
    ;(() => {
      for (let i = 0; i < count; i++) {
        const kid = make()
        registry.register(kid, i)
        parent.adopt(kid)
      }
    })()
    for (let round = 0; round < 50 && collected < count; round++) {
      await nextTurn()
      gc()
    }
    await nextTurn()
    if (collected < count) throw new Error(`only ${collected} of ${count} children were collected`)
  }

  /** A child with no timer (a timer would hold it, as any armed timer holds its client until it fires). */
  function orphanMaker(made: ReturnType<typeof build>): () => SessionLifecycle {
    const config = resolveConfig({ url: 'http://pb.test', autoRefresh: false })
    return () =>
      new SessionLifecycle(config, new MemoryTokenStore(), {
        session: made.session({ refreshable: false }),
        renew: undefined,
      })
  }

  it('a parent does not keep a child alive, and forgets a collected child', async () => {
    const made = build({ autoRefresh: false })
    const kept = made.child({ autoRefresh: false })
    await adoptAndCollect(made.life, orphanMaker(made), 3)
    const deref = vi.spyOn(WeakRef.prototype, 'deref')
    made.life.logout() // finds 3 collected children and forgets them
    expect(deref).toHaveBeenCalledTimes(4)
    deref.mockClear()
    made.life.logout()
    expect(deref).toHaveBeenCalledTimes(1) // only the child still held
    expect(kept.ended).toEqual(['logout'])
    deref.mockRestore()
  })

  it('a long-lived parent prunes collected children when adopting past 64, without a logout', async () => {
    const made = build({ autoRefresh: false })
    await adoptAndCollect(made.life, orphanMaker(made), 64)
    const deref = vi.spyOn(WeakRef.prototype, 'deref')
    const kept = made.child({ autoRefresh: false })
    expect(deref).toHaveBeenCalledTimes(64)
    deref.mockClear()
    made.life.logout()
    expect(deref).toHaveBeenCalledTimes(1)
    expect(kept.ended).toEqual(['logout'])
    deref.mockRestore()
  })
})
