import { describe, expect, it } from 'vitest'
import { OAuth2StateStore, type PendingOAuth2 } from '../../src/flows/oauth2-states.js'

const TEN_MINUTES = 10 * 60_000

function pending(expiresAt: number, provider = 'oidc'): PendingOAuth2 {
  return { provider, codeVerifier: `verifier-${provider}`, redirectUrl: 'http://127.0.0.1/cb', expiresAt }
}

function storeWithClock(start = 1_700_000_000_000): { store: OAuth2StateStore; advance(ms: number): void } {
  let now = start
  return {
    store: new OAuth2StateStore(() => now),
    advance(ms) {
      now += ms
    },
  }
}

describe('OAuth2StateStore', () => {
  it('hands back what was added, once', () => {
    const { store } = storeWithClock()
    const entry = pending(1_700_000_000_000 + TEN_MINUTES)
    store.add('state-1', entry)

    expect(store.take('state-1')).toEqual(entry)
    expect(store.take('state-1')).toBeUndefined()
    expect(store.size).toBe(0)
  })

  it('keeps attempts apart by state', () => {
    const { store } = storeWithClock()
    store.add('a', pending(Number.MAX_SAFE_INTEGER, 'oidc'))
    store.add('b', pending(Number.MAX_SAFE_INTEGER, 'github'))

    expect(store.take('b')?.provider).toBe('github')
    expect(store.take('a')?.provider).toBe('oidc')
  })

  it('returns undefined for a state it never saw', () => {
    const { store } = storeWithClock()
    store.add('known', pending(Number.MAX_SAFE_INTEGER))
    expect(store.take('unknown')).toBeUndefined()
    expect(store.size).toBe(1)
  })

  it('serves an attempt until just before its expiry and never at or after it', () => {
    const start = 1_700_000_000_000
    const { store, advance } = storeWithClock(start)
    store.add('early', pending(start + TEN_MINUTES))
    store.add('late', pending(start + TEN_MINUTES))

    advance(TEN_MINUTES - 1)
    expect(store.take('early')).toBeDefined()
    advance(1)
    expect(store.take('late')).toBeUndefined()
  })

  it('sweeps expired attempts on every access, so they do not pile up', () => {
    const start = 1_700_000_000_000
    const { store, advance } = storeWithClock(start)
    for (let i = 0; i < 50; i++) store.add(`old-${i}`, pending(start + 1_000))
    expect(store.size).toBe(50)

    advance(1_000)
    store.add('fresh', pending(start + 1_000 + TEN_MINUTES))
    expect(store.size).toBe(1)
    expect(store.take('old-0')).toBeUndefined()
    expect(store.take('fresh')).toBeDefined()
  })

  it('a re-added state replaces the older attempt', () => {
    const { store } = storeWithClock()
    store.add('same', pending(Number.MAX_SAFE_INTEGER, 'first'))
    store.add('same', pending(Number.MAX_SAFE_INTEGER, 'second'))
    expect(store.size).toBe(1)
    expect(store.take('same')?.provider).toBe('second')
  })

  it('clear() forgets every attempt', () => {
    const { store } = storeWithClock()
    store.add('a', pending(Number.MAX_SAFE_INTEGER))
    store.add('b', pending(Number.MAX_SAFE_INTEGER))
    store.clear()
    expect(store.size).toBe(0)
    expect(store.take('a')).toBeUndefined()
  })
})
