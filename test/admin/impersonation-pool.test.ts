/**
 * The impersonation pool on a fake PocketBase with fake timers: one child per record while pooled, one request
 * per record for concurrent acquires, LRU and idle eviction that never fails a call (an evicted child keeps
 * working and renews on demand, without a timer), timers bounded by `max`, and dispose() ending everything.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createImpersonationPool, type ImpersonationPool } from '../../src/admin/index.js'
import { createAuthClient, createDbInterface, type AuthClient } from '../../src/index.js'
import {
  REJECTED_TOKEN,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'

const START = 1_700_000_000_000
const route = (id: string): string => `POST /api/collections/users/impersonate/${id}`
const RECORDS = 'GET /api/collections/posts/records'
const EMPTY_PAGE: FakeReply = {
  status: 200,
  body: { page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] },
}

const superusers: AuthClient[] = []
const pools: ImpersonationPool[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.dispose()
  for (const client of superusers.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A superuser on a fake server that impersonates every `ids` record with tokens of `tokenSeconds`. */
function setUp(ids: string[], tokenSeconds = 60): { pb: FakePocketBase; superuser: AuthClient } {
  const pb = createFakePocketBase({ tokenSeconds: 3600, collectionName: '_superusers' })
  for (const id of ids) {
    const issuer = createFakePocketBase({ tokenSeconds, refreshable: false, recordId: id })
    pb.on(route(id), () => issuer.authReply())
  }
  pb.on(RECORDS, () => EMPTY_PAGE)
  const superuser = createAuthClient({
    url: 'http://pb.test',
    collection: '_superusers',
    fetch: pb.fetch,
    credentials: () => ({ identity: 'admin@example.com', password: 'pw-secret-1' }),
  })
  superusers.push(superuser)
  return { pb, superuser }
}

function pool(superuser: AuthClient, max: number, idleSeconds = 3600): ImpersonationPool {
  const made = createImpersonationPool(superuser, { collection: 'users', max, idleSeconds })
  pools.push(made)
  return made
}

describe('acquire', () => {
  it('returns a renewing child of the record, the same one while it is pooled, from one request', async () => {
    const { pb, superuser } = setUp(['u1'])
    const users = pool(superuser, 10)
    const first = await users.acquire('u1')
    expect(first.session?.recordId).toBe('u1')
    expect(first.collection).toBe('users')
    expect(await users.acquire('u1')).toBe(first)
    expect(pb.count(route('u1'))).toBe(1)
    // Renewing: past its token's due time it has a new token, through the superuser, by itself.
    const token = first.session!.token
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pb.count(route('u1'))).toBe(2)
    expect(first.session!.token).not.toBe(token)
    expect(first.isAuthenticated).toBe(true)
  })

  it('concurrent acquires of one record make one impersonation request and get one child', async () => {
    const { pb, superuser } = setUp(['u1'])
    const users = pool(superuser, 10)
    const children = await Promise.all(Array.from({ length: 20 }, () => users.acquire('u1')))
    expect(new Set(children).size).toBe(1)
    expect(pb.count(route('u1'))).toBe(1)
  })

  it('a failed impersonation rejects every waiting caller with its typed error and is not kept', async () => {
    const { pb, superuser } = setUp([])
    const users = pool(superuser, 10)
    const both = await Promise.allSettled([users.acquire('ghost'), users.acquire('ghost')])
    expect(both.map((result) => result.status)).toEqual(['rejected', 'rejected'])
    expect((both[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'not_found' })
    await expect(users.acquire('ghost')).rejects.toMatchObject({ code: 'not_found' })
    expect(pb.count(route('ghost'))).toBe(2)
    expect(users.size).toBe(0)
  })

  it('a child whose session ended (the superuser logged out) is replaced by a new one', async () => {
    const { pb, superuser } = setUp(['u1'])
    const users = pool(superuser, 10)
    const first = await users.acquire('u1')
    superuser.logout()
    expect(users.size).toBe(0)
    const second = await users.acquire('u1')
    expect(second).not.toBe(first)
    expect(second.isAuthenticated).toBe(true)
    expect(pb.count(route('u1'))).toBe(2)
  })

  it('a child its holder disposed (`await using`) leaves the pool and is never handed out again', async () => {
    const { pb, superuser } = setUp(['u1'])
    const users = pool(superuser, 10)
    {
      await using first = await users.acquire('u1')
      expect(first.isAuthenticated).toBe(true)
    }
    expect(users.size).toBe(0)
    const second = await users.acquire('u1')
    const db = createDbInterface(second)
    await expect(db.collection('posts').getList()).resolves.toMatchObject({ totalItems: 0 })
    expect(pb.count(route('u1'))).toBe(2)
    expect(users.size).toBe(1)
  })
})

describe('eviction', () => {
  it('keeps at most max children: the least recently acquired leaves, and acquiring it again makes a new one', async () => {
    const { pb, superuser } = setUp(['u1', 'u2', 'u3'])
    const users = pool(superuser, 2)
    const u1 = await users.acquire('u1')
    const u2 = await users.acquire('u2')
    await users.acquire('u1') // u1 is now the most recently used
    await users.acquire('u3') // so u2 leaves
    expect(users.size).toBe(2)
    expect(await users.acquire('u1')).toBe(u1)
    const again = await users.acquire('u2')
    expect(again).not.toBe(u2)
    expect(pb.count(route('u2'))).toBe(2)
  })

  it('an evicted child keeps working for its holder: no timer, and it renews on demand when its token is due', async () => {
    const { pb, superuser } = setUp(['u1', 'u2'])
    const users = pool(superuser, 1)
    const u1 = await users.acquire('u1')
    await users.acquire('u2') // evicts u1
    await vi.advanceTimersByTimeAsync(120_000) // past u1's expiry: nothing renews it in the background
    expect(pb.count(route('u1'))).toBe(1)
    const page = await createDbInterface(u1).collection('posts').getList()
    expect(page.items).toEqual([])
    expect(pb.count(route('u1'))).toBe(2) // renewed by the call, through the superuser
    expect(u1.isAuthenticated).toBe(true)
  })

  it('never fails a call in flight: a db call held across the eviction, rejected and retried, resolves', async () => {
    const { pb, superuser } = setUp(['u1', 'u2', 'u3'])
    const users = pool(superuser, 1)
    const u1 = await users.acquire('u1')
    const held = deferred<FakeReply>()
    let calls = 0
    pb.on(RECORDS, () => (++calls === 1 ? held.promise : EMPTY_PAGE))
    const call = createDbInterface(u1).collection('posts').getList()
    await vi.advanceTimersByTimeAsync(0)
    await users.acquire('u2')
    await users.acquire('u3')
    // The server rejects the token the call sent: the child renews (through the superuser) and retries.
    held.resolve(REJECTED_TOKEN)
    await expect(call).resolves.toMatchObject({ items: [] })
    expect(pb.count(route('u1'))).toBe(2)
  })

  it('never fails a renewal in flight: an evicted child whose renewal was running gets its new token', async () => {
    const { pb, superuser } = setUp(['u2'], 60)
    const users = pool(superuser, 1)
    const renewal = deferred<FakeReply>()
    const issuer = createFakePocketBase({ tokenSeconds: 60, refreshable: false, recordId: 'u1' })
    let requests = 0
    pb.on(route('u1'), () => (++requests === 1 ? issuer.authReply() : renewal.promise))
    const u1 = await users.acquire('u1')
    const first = u1.session!.token
    await vi.advanceTimersByTimeAsync(50_000) // the background renewal starts and waits
    expect(requests).toBe(2)
    const token = u1.getToken()
    await users.acquire('u2') // evicts u1 under its renewal
    renewal.resolve(issuer.authReply())
    await expect(token).resolves.not.toBe(first)
    expect(u1.session!.token).not.toBe(first)
  })

  it('evicts children idle past idleSeconds; acquiring one resets its idle time', async () => {
    const { pb, superuser } = setUp(['u1', 'u2'], 3600)
    const users = pool(superuser, 10, 60)
    const u1 = await users.acquire('u1')
    await users.acquire('u2')
    await vi.advanceTimersByTimeAsync(30_000)
    expect(await users.acquire('u1')).toBe(u1)
    await vi.advanceTimersByTimeAsync(31_000) // u2 idle 61 s, u1 idle 31 s
    expect(users.size).toBe(1)
    expect(await users.acquire('u1')).toBe(u1)
    await vi.advanceTimersByTimeAsync(61_000)
    expect(users.size).toBe(0)
    expect(await users.acquire('u2')).toBeDefined()
    expect(pb.count(route('u2'))).toBe(2)
  })

  it('keeps timers bounded by max: evicted children have none', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `u${i}`)
    const { superuser } = setUp(ids, 3600)
    await superuser.getToken()
    const before = vi.getTimerCount()
    const users = pool(superuser, 5)
    const held = []
    for (const id of ids) held.push(await users.acquire(id))
    expect(users.size).toBe(5)
    // One renewal timer per pooled child, and the pool's idle sweep.
    expect(vi.getTimerCount() - before).toBe(5 + 1)
    expect(held.every((child) => child.isAuthenticated)).toBe(true)
  })
})

describe('dispose', () => {
  it('ends pooled and evicted children, waits for an acquire in flight, and refuses later acquires naming the pool', async () => {
    const { pb, superuser } = setUp(['u1', 'u2'])
    const users = pool(superuser, 1)
    const u1 = await users.acquire('u1')
    const u2 = await users.acquire('u2') // evicts u1
    const slow = deferred<FakeReply>()
    const issuer = createFakePocketBase({ tokenSeconds: 60, refreshable: false, recordId: 'u3' })
    pb.on(route('u3'), () => slow.promise)
    const inFlight = users.acquire('u3')
    await vi.advanceTimersByTimeAsync(0)
    const disposed = users.dispose()
    slow.resolve(issuer.authReply())
    await disposed
    await expect(inFlight).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('impersonation pool (users)'),
    })
    for (const child of [u1, u2]) {
      await expect(child.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    }
    await expect(users.acquire('u1')).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('impersonation pool (users)'),
    })
    expect(users.size).toBe(0)
    expect(vi.getTimerCount()).toBe(1) // the superuser's own refresh timer only
    await users.dispose() // idempotent
  })
})

describe('options', () => {
  it('names every bad option and never echoes a value', () => {
    const { superuser } = setUp([])
    const attempt = (options: unknown, parent: unknown = superuser): unknown => {
      try {
        createImpersonationPool(parent as AuthClient, options as never)
      } catch (error) {
        return error
      }
      return undefined
    }
    expect(attempt({ max: 0, idleSeconds: 1.5, collection: '' })).toMatchObject({
      code: 'config_invalid',
      issues: [
        expect.objectContaining({ path: 'collection' }),
        expect.objectContaining({ path: 'max' }),
        expect.objectContaining({ path: 'idleSeconds' }),
      ],
    })
    expect(attempt({ idleSeconds: 60 })).toMatchObject({ issues: [expect.objectContaining({ path: 'max' })] })
    expect(attempt({ max: 1, idleSeconds: 1 }, { token: 'secret-token-value' })).toMatchObject({
      issues: [expect.objectContaining({ path: 'superuser' })],
    })
    const error = attempt({ max: 1, idleSeconds: 1, durationSeconds: -5, extra: 'secret-value' })
    expect(error).toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: 'extra' })]),
    })
    expect(JSON.stringify(error)).not.toContain('secret-value')
  })

  it('refuses an empty record id before any request, naming the argument', async () => {
    const { pb, superuser } = setUp([])
    const users = pool(superuser, 1)
    await expect(users.acquire('')).rejects.toMatchObject({
      code: 'config_invalid',
      issues: [expect.objectContaining({ path: 'recordId' })],
    })
    expect(pb.calls).toHaveLength(0)
  })
})
