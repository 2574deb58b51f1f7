import { describe, expect, it } from 'vitest'
import { TtlLru } from '../../src/server/ttl-lru.js'

describe('TtlLru', () => {
  it('returns a live entry and forgets it at its expiry', () => {
    const lru = new TtlLru<string>(10)
    lru.set('a', 'A', 1_000, 0)
    expect(lru.get('a', 999)).toBe('A')
    expect(lru.get('a', 1_000)).toBeUndefined()
    expect(lru.size).toBe(0)
  })

  it('evicts the least recently used entry when full; a read counts as a use', () => {
    const lru = new TtlLru<number>(2)
    lru.set('a', 1, 100, 0)
    lru.set('b', 2, 100, 0)
    expect(lru.get('a', 1)).toBe(1)
    lru.set('c', 3, 100, 1)
    expect([lru.get('a', 2), lru.get('b', 2), lru.get('c', 2)]).toEqual([1, undefined, 3])
  })

  it('replacing a key does not evict another, and an already expired value removes the old one', () => {
    const lru = new TtlLru<number>(2)
    lru.set('a', 1, 100, 0)
    lru.set('b', 2, 100, 0)
    lru.set('a', 10, 100, 0)
    expect([lru.get('a', 1), lru.get('b', 1)]).toEqual([10, 2])
    lru.set('a', 11, 5, 5)
    expect(lru.get('a', 5)).toBeUndefined()
    expect(lru.size).toBe(1)
  })

  it('delete and clear', () => {
    const lru = new TtlLru<number>(3)
    lru.set('a', 1, 100, 0)
    lru.set('b', 2, 100, 0)
    expect(lru.delete('a')).toBe(true)
    expect(lru.delete('a')).toBe(false)
    lru.clear()
    expect(lru.size).toBe(0)
  })
})
