import { describe, expect, it } from 'vitest'
import { MAX_PENDING_OAUTH2, OAuth2StateStore, type PendingOAuth2 } from '../../src/flows/oauth2-states.js'

const TEN_MINUTES = 10 * 60_000

function pending(expiresAt: number, provider = 'oidc'): PendingOAuth2 {
  return { provider, codeVerifier: `verifier-${provider}`, redirectUrl: 'http://127.0.0.1/cb', expiresAt }
}

function storeWithClock(
  start = 1_700_000_000_000,
  maxPending?: number,
): { store: OAuth2StateStore; advance(ms: number): void } {
  let now = start
  return {
    store: new OAuth2StateStore(() => now, maxPending),
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

  it(`keeps at most ${MAX_PENDING_OAUTH2.toLocaleString('en')} attempts by default, forgetting the oldest`, () => {
    const { store } = storeWithClock()
    for (let i = 0; i <= MAX_PENDING_OAUTH2; i++) store.add(`state-${i}`, pending(Number.MAX_SAFE_INTEGER))
    expect(store.size).toBe(MAX_PENDING_OAUTH2)
    expect(store.take('state-0')).toBeUndefined()
    expect(store.take('state-1')).toBeDefined()
    expect(store.take(`state-${MAX_PENDING_OAUTH2}`)).toBeDefined()
  })

  it('forgets the oldest attempt first when over its cap, one per added attempt', () => {
    const { store } = storeWithClock(1_700_000_000_000, 3)
    for (const state of ['a', 'b', 'c', 'd', 'e']) store.add(state, pending(Number.MAX_SAFE_INTEGER))
    expect(store.size).toBe(3)
    expect(['a', 'b', 'c', 'd', 'e'].map((state) => store.take(state) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
      true,
    ])
  })

  it('a re-added state becomes the newest: it outlives older ones and is evicted last', () => {
    const start = 1_700_000_000_000
    const { store, advance } = storeWithClock(start, 2)
    store.add('a', pending(start + 1_000))
    store.add('b', pending(start + 1_000))
    advance(500)
    store.add('a', pending(start + 1_500)) // restarted: now behind 'b'
    advance(600) // 'b' expired, 'a' still live
    expect(store.size).toBe(1)
    expect(store.take('a')).toBeDefined()

    const capped = storeWithClock(start, 2).store
    capped.add('x', pending(Number.MAX_SAFE_INTEGER))
    capped.add('y', pending(Number.MAX_SAFE_INTEGER))
    capped.add('x', pending(Number.MAX_SAFE_INTEGER))
    capped.add('z', pending(Number.MAX_SAFE_INTEGER)) // evicts 'y', the oldest now
    expect(capped.take('y')).toBeUndefined()
    expect(capped.take('x')).toBeDefined()
  })

  it('never hands out an expired attempt, even one kept behind a live one after the clock went back', () => {
    const start = 1_700_000_000_000
    const { store, advance } = storeWithClock(start)
    store.add('late', pending(start + 10_000))
    store.add('early', pending(start + 1_000)) // out of order, as after the system clock was set back
    advance(5_000)
    expect(store.take('early')).toBeUndefined()
    expect(store.take('late')).toBeDefined()
  })

  it('expires in amortised O(1): each access looks at the expired entries it drops plus one', () => {
    const start = 1_700_000_000_000
    const { store, advance } = storeWithClock(start)
    let reads = 0
    const counted = (expiresAt: number): PendingOAuth2 => ({
      provider: 'oidc',
      codeVerifier: 'verifier',
      redirectUrl: 'http://127.0.0.1/cb',
      get expiresAt() {
        reads++
        return expiresAt
      },
    })
    const live = 5_000
    for (let i = 0; i < live; i++) store.add(`live-${i}`, counted(start + TEN_MINUTES))
    reads = 0
    for (let i = 0; i < live; i++) {
      store.add(`more-${i}`, counted(start + TEN_MINUTES))
      store.take(`unknown-${i}`)
    }
    // 10,000 accesses over 5,000+ live entries: a whole-map scan would read ~75 million times.
    expect(reads).toBeLessThanOrEqual(2 * live)

    advance(TEN_MINUTES)
    reads = 0
    expect(store.size).toBe(0)
    expect(reads).toBe(2 * live) // each expired entry is looked at once, when it is dropped
  })
})
