/**
 * A fleet's publications reach a worker in two ways: the worker's own `obtain` (a sign-in or refresh waiting for
 * the lock holder) and the watch that adopts what others publish. These tests pin how the two meet, and that a
 * worker whose watch failed (share unreachable at the start) watches again once the share answers.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { createFakePocketBase, type FakePocketBase } from '../fixtures/fake-pocketbase.js'
import { createMemoryShare, type MemoryShare } from '../fixtures/memory-share.js'

const START = 1_700_000_000_000
const REFRESH = 'POST /api/collections/_superusers/auth-refresh'
const clients: AuthClient[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

function worker(pb: FakePocketBase, share: MemoryShare, spread: number): AuthClient {
  vi.spyOn(Math, 'random').mockReturnValueOnce(spread)
  const client = createAuthClient({
    url: 'http://pb.test',
    collection: '_superusers',
    fetch: pb.fetch,
    share,
    credentials: () => ({ identity: 'worker@example.com', password: 'pw-worker-1' }),
  })
  clients.push(client)
  return client
}

describe('a worker waiting for the fleet', () => {
  it('an explicit authRefresh() that waited for another worker resolves with the adopted session', async () => {
    const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: '_superusers' })
    const share = createMemoryShare()
    const workers = [worker(pb, share, 0), worker(pb, share, 0.5), worker(pb, share, 0.9)]
    await Promise.all(workers.map((client) => client.getToken()))
    await vi.advanceTimersByTimeAsync(10_000) // a refresh now gives a token that expires later
    const refreshed = await Promise.all(workers.map((client) => client.authRefresh()))
    expect(pb.count(REFRESH)).toBe(1)
    expect(new Set(refreshed.map((session) => session.token)).size).toBe(1)
  })

  it('a worker that waited for the cold-start sign-in announces signedIn once', async () => {
    const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: '_superusers' })
    const share = createMemoryShare()
    const workers = [worker(pb, share, 0), worker(pb, share, 0.5), worker(pb, share, 0.9)]
    const signedIn = workers.map(() => 0)
    workers.forEach((client, index) => client.on('signedIn', () => signedIn[index]!++))
    await Promise.all(workers.map((client) => client.getToken()))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(signedIn).toEqual([1, 1, 1])
  })
})

describe('a worker whose watch failed', () => {
  it('watches again once the share answers, and then adopts the next publication at once', async () => {
    const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: '_superusers' })
    const share = createMemoryShare()
    share.down()
    const early = worker(pb, share, 0)
    const late = worker(pb, share, 0.99)
    await Promise.all([early.getToken(), late.getToken()])
    share.up()
    // First lifetime: the early worker refreshes and publishes; the late one adopts it when its own turn comes.
    while (pb.count(REFRESH) < 1) await vi.advanceTimersByTimeAsync(100)
    await vi.advanceTimersByTimeAsync(5_000)
    expect(late.session!.token).toBe(early.session!.token)
    // Second lifetime: the early worker's publication reaches the late one at once, long before its own turn.
    while (pb.count(REFRESH) < 2) await vi.advanceTimersByTimeAsync(100)
    await vi.advanceTimersByTimeAsync(50)
    expect(late.session!.token).toBe(early.session!.token)
    expect(pb.count(REFRESH)).toBe(2)
  })
})

describe('another identity on the same share key', () => {
  it("a worker never adopts another account's session, by the watch or when refreshing", async () => {
    const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: '_superusers', recordId: 'worker1' })
    const otherPb = createFakePocketBase({
      tokenSeconds: 120,
      collectionName: '_superusers',
      recordId: 'other1',
    })
    const share = createMemoryShare()
    const mine = worker(pb, share, 0)
    await mine.getToken()
    const other = createAuthClient({
      url: 'http://pb.test',
      collection: '_superusers',
      fetch: otherPb.fetch,
      credentials: () => ({ identity: 'other@example.com', password: 'pw-other-1' }),
    })
    clients.push(other)
    await other.getToken()
    // The other account's longer-lived session lands in the share (a misconfigured second service).
    await share.publish('http://pb.test|_superusers', other.session!)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(mine.session?.recordId).toBe('worker1')
    // At its refresh, the worker refreshes its own token instead of taking the other one.
    await vi.advanceTimersByTimeAsync(55_000)
    expect(pb.count(REFRESH)).toBeGreaterThanOrEqual(1)
    expect(mine.session?.recordId).toBe('worker1')
    expect(mine.isAuthenticated).toBe(true)
  })
})
