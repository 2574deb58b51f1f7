/**
 * A session shared by a fleet (`createAuthClient({ share })`): clients on one fake PocketBase and one in-memory
 * share stand for worker processes. Counted at the server: one sign-in per cold start, one refresh per token
 * lifetime, one re-sign-in after a rejected token, for the whole fleet; an unreachable share costs no call.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, createDbInterface, type AuthClient, type AuthEvents } from '../../src/index.js'
import { FLEET_LOCK_MS } from '../../src/lifecycle/fleet-session.js'
import { REJECTED_TOKEN, createFakePocketBase, type FakePocketBase } from '../fixtures/fake-pocketbase.js'
import { createMemoryShare, type MemoryShare } from '../fixtures/memory-share.js'

const START = 1_700_000_000_000
const PASSWORD = 'POST /api/collections/_superusers/auth-with-password'
const REFRESH = 'POST /api/collections/_superusers/auth-refresh'
const RECORDS = 'GET /api/collections/posts/records'
const EMPTY_PAGE = { status: 200, body: { page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] } }

const clients: AuthClient[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
})

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** `size` workers of one superuser identity on one server, sharing `share`. */
function fleet(
  size: number,
  share: MemoryShare = createMemoryShare(),
): {
  pb: FakePocketBase
  share: MemoryShare
  workers: AuthClient[]
  errors: Error[]
} {
  const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: '_superusers' })
  pb.on(RECORDS, () => EMPTY_PAGE)
  const errors: Error[] = []
  const workers = Array.from({ length: size }, (_, index) => {
    // Each worker refreshes at its own place in the spread, as separate processes would.
    vi.spyOn(Math, 'random').mockReturnValueOnce(index / size)
    const worker = createAuthClient({
      url: 'http://pb.test',
      collection: '_superusers',
      fetch: pb.fetch,
      share,
      credentials: () => ({ identity: 'worker@example.com', password: 'pw-worker-1' }),
    })
    worker.on('error', (error) => errors.push(error))
    clients.push(worker)
    return worker
  })
  return { pb, share, workers, errors }
}

describe('a fleet sharing one session', () => {
  it('cold start: one sign-in for the whole fleet; the others wait for it and use the same token', async () => {
    const { pb, workers, share } = fleet(20)
    const tokens = await Promise.all(workers.map((worker) => worker.getToken()))
    expect(pb.count(PASSWORD)).toBe(1)
    expect(new Set(tokens).size).toBe(1)
    expect(workers.every((worker) => worker.isAuthenticated)).toBe(true)
    expect(share.stored()?.token).toBe(tokens[0])
    expect(share.scopes).toEqual(new Set(['http://pb.test|_superusers']))
    // Published under the lock the worker took, never unfenced.
    expect(share.calls.publish).toBe(1)
    expect(share.calls.unfenced).toBe(0)
  })

  it('near expiry: one refresh for all, and every worker picks up the new token', async () => {
    const { pb, workers } = fleet(20)
    await Promise.all(workers.map((worker) => worker.getToken()))
    const first = workers[0]!.session!.token
    for (let lifetime = 1; lifetime <= 3; lifetime++) {
      await vi.advanceTimersByTimeAsync(50_000)
      expect(pb.count(REFRESH)).toBe(lifetime)
    }
    const tokens = new Set(workers.map((worker) => worker.session!.token))
    expect(tokens.size).toBe(1)
    expect(tokens.has(first)).toBe(false)
    expect(workers.every((worker) => worker.isAuthenticated)).toBe(true)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('a rejected token (rotated password): one re-sign-in for all, and every call goes on', async () => {
    const { pb, workers } = fleet(10)
    await Promise.all(workers.map((worker) => worker.getToken()))
    const rejected = workers[0]!.session!.token
    pb.on(RECORDS, (call) => (call.authorization === rejected ? REJECTED_TOKEN : EMPTY_PAGE))
    pb.on(REFRESH, (call) => (call.authorization === rejected ? REJECTED_TOKEN : pb.authReply()))
    const calls = Promise.all(
      workers.map((worker) => createDbInterface(worker).collection('posts').getList()),
    )
    await vi.advanceTimersByTimeAsync(2_000) // the others poll while the first signs in again
    const pages = await calls
    expect(pages.every((page) => page.items.length === 0)).toBe(true)
    expect(pb.count(PASSWORD)).toBe(2)
    expect(new Set(workers.map((worker) => worker.session!.token)).size).toBe(1)
    expect(workers[0]!.session!.token).not.toBe(rejected)
  })

  it('a lock holder that crashed blocks nobody past the lock expiry', async () => {
    const share = createMemoryShare()
    share.takeLockForever('http://pb.test|_superusers', FLEET_LOCK_MS)
    const { pb, workers } = fleet(5, share)
    const tokens = Promise.all(workers.map((worker) => worker.getToken()))
    await vi.advanceTimersByTimeAsync(FLEET_LOCK_MS + 1_000)
    expect(new Set(await tokens).size).toBe(1)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('share unreachable: each worker signs in alone, reports it once, and no call fails; it rejoins when back', async () => {
    const share = createMemoryShare()
    share.down()
    const { pb, workers, errors } = fleet(5, share)
    const pages = await Promise.all(
      workers.map((worker) => createDbInterface(worker).collection('posts').getList()),
    )
    expect(pages).toHaveLength(5)
    expect(pb.count(PASSWORD)).toBe(5)
    expect(errors).toHaveLength(5) // once per worker
    expect(errors.every((error) => (error as { code?: string }).code === 'network')).toBe(true)
    expect(errors.map((error) => error.message).join()).not.toContain('6379')

    share.up()
    await vi.advanceTimersByTimeAsync(50_000) // one refresh for all again
    expect(pb.count(REFRESH)).toBe(1)
    expect(new Set(workers.map((worker) => worker.session!.token)).size).toBe(1)
    expect(errors).toHaveLength(5)
  })

  it("a worker's logout() is its own: it adopts nothing afterwards, the others go on", async () => {
    const { pb, workers } = fleet(3)
    await Promise.all(workers.map((worker) => worker.getToken()))
    const signedIn: AuthEvents['signedIn'][] = []
    workers[0]!.on('signedIn', (session) => signedIn.push(session))
    workers[0]!.logout()
    await vi.advanceTimersByTimeAsync(50_000)
    expect(pb.count(REFRESH)).toBe(1)
    expect(workers[0]!.session).toBeNull()
    expect(signedIn).toEqual([])
    expect(workers[1]!.isAuthenticated && workers[2]!.isAuthenticated).toBe(true)
  })

  it('rejects a share without its four functions at construction, naming the option', () => {
    expect(() => createAuthClient({ url: 'http://pb.test', share: { load: () => null } as never })).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        issues: [expect.objectContaining({ path: 'share' })],
      }),
    )
  })
})
