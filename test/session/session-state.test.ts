import { describe, expect, it } from 'vitest'
import { SessionState, type SessionChange } from '../../src/session/session-state.js'
import { MemoryTokenStore, type TokenStore } from '../../src/session/token-store.js'
import type { AuthSession } from '../../src/session/types.js'
import { createFakePocketBase } from '../fixtures/fake-pocketbase.js'
import { changeRecorder, sessionFrom, START } from '../lifecycle/parts.js'

const clock = { now: START }
const pb = createFakePocketBase({ now: () => clock.now })

function state(store: TokenStore = new MemoryTokenStore()): {
  state: SessionState
  changes: SessionChange[]
  store: TokenStore
} {
  const { hook, changes } = changeRecorder()
  return { state: new SessionState(store, { sessionChanged: hook }), changes, store }
}

describe('SessionState: a passive store with one change hook', () => {
  it('starts empty at version 0 and calls nothing while nothing changes', () => {
    const { state: s, changes } = state()
    expect(s.current).toBeNull()
    expect(s.version).toBe(0)
    expect(changes).toEqual([])
  })

  it('reads a session a user-supplied store already holds, without reporting it as a change', () => {
    const store = new MemoryTokenStore()
    const held = sessionFrom(pb, clock)
    store.set(held)
    const { state: s, changes } = state(store)
    expect(s.current).toBe(held)
    expect(s.version).toBe(0)
    expect(changes).toEqual([])
  })

  it('apply() stores the session, bumps the version and reports it once, with its kind', () => {
    const { state: s, changes, store } = state()
    const first = sessionFrom(pb, clock)
    s.apply(first, 'signedIn')
    expect(store.get()).toBe(first)
    expect(s.current).toBe(first)
    expect(s.version).toBe(1)
    const refreshed = sessionFrom(pb, clock)
    s.apply(refreshed, 'tokenRefreshed')
    expect(s.current).toBe(refreshed)
    expect(s.version).toBe(2)
    expect(changes).toEqual([
      { kind: 'signedIn', session: first },
      { kind: 'tokenRefreshed', session: refreshed },
    ])
  })

  it('the hook already sees the new session and version (it runs after the change, synchronously)', () => {
    const seen: { current: AuthSession | null; version: number }[] = []
    const s: SessionState = new SessionState(new MemoryTokenStore(), {
      sessionChanged: () => seen.push({ current: s.current, version: s.version }),
    })
    const session = sessionFrom(pb, clock)
    s.apply(session, 'signedIn')
    expect(seen).toEqual([{ current: session, version: 1 }])
    s.end('logout')
    expect(seen[1]).toEqual({ current: null, version: 2 })
  })

  it('end() clears the store, bumps the version and reports the reason with the previous session', () => {
    const { state: s, changes, store } = state()
    const session = sessionFrom(pb, clock)
    s.apply(session, 'signedIn')
    s.end('revoked')
    expect(store.get()).toBeNull()
    expect(s.current).toBeNull()
    expect(s.version).toBe(2)
    expect(changes.at(-1)).toEqual({ kind: 'signedOut', reason: 'revoked', previous: session })
  })

  it.each(['logout', 'expired', 'revoked'] as const)('end(%s) reports that reason', (reason) => {
    const { state: s, changes } = state()
    s.apply(sessionFrom(pb, clock), 'signedIn')
    s.end(reason)
    expect(changes.at(-1)).toMatchObject({ kind: 'signedOut', reason })
  })

  it('end() without a session does nothing: no hook call, no version bump (a second logout is silent)', () => {
    const { state: s, changes } = state()
    s.end('logout')
    expect(s.version).toBe(0)
    s.apply(sessionFrom(pb, clock), 'signedIn')
    s.end('logout')
    s.end('expired')
    expect(s.version).toBe(2)
    expect(changes.map((change) => change.kind)).toEqual(['signedIn', 'signedOut'])
  })

  it('every change gives a new version, so work started on an older session can tell it is stale', () => {
    const { state: s } = state()
    const versions = new Set([s.version])
    s.apply(sessionFrom(pb, clock), 'signedIn')
    versions.add(s.version)
    s.apply(sessionFrom(pb, clock), 'tokenRefreshed')
    versions.add(s.version)
    s.end('logout')
    versions.add(s.version)
    s.apply(sessionFrom(pb, clock), 'signedIn')
    versions.add(s.version)
    expect(versions.size).toBe(5)
  })
})

describe('SessionState: sign-in intents', () => {
  it('the latest beginSignIn() is the latest sign-in; an earlier one is stale', () => {
    const { state: s } = state()
    const first = s.beginSignIn()
    expect(s.isLatestSignIn(first)).toBe(true)
    const second = s.beginSignIn()
    expect(s.isLatestSignIn(first)).toBe(false)
    expect(s.isLatestSignIn(second)).toBe(true)
  })

  it('supersedeSignIns() (logout) makes every sign-in in flight stale, and a later one is fresh again', () => {
    const { state: s } = state()
    const a = s.beginSignIn()
    s.supersedeSignIns()
    expect(s.isLatestSignIn(a)).toBe(false)
    const b = s.beginSignIn()
    expect(s.isLatestSignIn(b)).toBe(true)
  })

  it('intents are not session changes: they neither bump the version nor call the hook', () => {
    const { state: s, changes } = state()
    s.beginSignIn()
    s.supersedeSignIns()
    expect(s.version).toBe(0)
    expect(changes).toEqual([])
  })

  it('an intent beginSignIn() has not returned yet is not the latest', () => {
    const { state: s } = state()
    const intent = s.beginSignIn()
    expect(s.isLatestSignIn(intent + 1)).toBe(false)
    expect(s.isLatestSignIn(Number.NaN)).toBe(false)
  })
})

describe('SessionState: failure cases', () => {
  it('a store that throws on set fails apply() before the hook hears anything or the version moves', () => {
    const store: TokenStore = {
      get: () => null,
      set: () => {
        throw new Error('disk full')
      },
      clear: () => undefined,
    }
    const { state: s, changes } = state(store)
    expect(() => s.apply(sessionFrom(pb, clock), 'signedIn')).toThrow('disk full')
    expect(s.version).toBe(0)
    expect(changes).toEqual([])
  })

  it('a hook that throws surfaces to the caller of apply(), after the session was stored', () => {
    const s = new SessionState(new MemoryTokenStore(), {
      sessionChanged: () => {
        throw new Error('hook failed')
      },
    })
    const session = sessionFrom(pb, clock)
    expect(() => s.apply(session, 'signedIn')).toThrow('hook failed')
    expect(s.current).toBe(session)
    expect(s.version).toBe(1)
  })
})
