import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createMemoryTokenStore, MemoryTokenStore, type AuthSession } from '../../src/index.js'
import { makeJwt } from '../helpers/factories.js'

const token = makeJwt()
const session: AuthSession = Object.freeze({
  token,
  record: { id: 'record1234567ab', collectionId: '_pb_users_auth_', collectionName: 'users' },
  collectionId: '_pb_users_auth_',
  collectionName: 'users',
  recordId: 'record1234567ab',
  expiresAt: 2_000_000_000_000,
  issuedAt: 1_999_999_000_000,
  refreshable: true,
})

describe('MemoryTokenStore', () => {
  it('starts empty, then gets what was set, then clears', () => {
    const store = createMemoryTokenStore()
    expect(store).toBeInstanceOf(MemoryTokenStore)
    expect(store.get()).toBeNull()
    store.set(session)
    expect(store.get()).toBe(session)
    store.clear()
    expect(store.get()).toBeNull()
    store.clear()
    expect(store.get()).toBeNull()
  })

  it('set replaces the previous session', () => {
    const store = createMemoryTokenStore()
    const next = { ...session, token: makeJwt({ exp: 2_100_000_000 }) }
    store.set(session)
    store.set(next)
    expect(store.get()).toBe(next)
  })

  it('each store is independent', () => {
    const first = createMemoryTokenStore()
    const second = createMemoryTokenStore()
    first.set(session)
    expect(second.get()).toBeNull()
  })

  it('never reveals the token through JSON, inspect or its enumerable keys', () => {
    const store = createMemoryTokenStore()
    store.set(session)
    expect(JSON.parse(JSON.stringify(store))).toEqual({ session: 'present' })
    expect(inspect(store, { depth: 10, showHidden: true })).not.toContain(token)
    expect(Object.keys(store)).toEqual([])
    expect(JSON.stringify({ store })).not.toContain(token)
    store.clear()
    expect(JSON.parse(JSON.stringify(store))).toEqual({ session: null })
  })
})
