import { getEventListeners } from 'node:events'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, createDbInterface, type AuthClient } from '../../src/index.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { configErrorOf } from '../helpers/config-error.js'
import { rejectionOf } from '../helpers/rejection.js'

const POSTS = 'GET /api/collections/posts/records'
const PAGE: FakeReply = {
  status: 200,
  body: { page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] },
}

const clients: AuthClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.useRealTimers()
})

/**
 * A signed-in client over a fake PocketBase whose post list is held until the test releases it. Request limits
 * run on fake timers (the test's clock), so a limit of a few milliseconds can neither cut the sign-in short on a
 * slow machine nor be outrun on a fast one: time moves only when the test advances it.
 */
async function signedIn(clientTimeoutMs: number): Promise<{
  auth: AuthClient
  pb: FakePocketBase
  signals: (AbortSignal | undefined)[]
  release: () => void
}> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  const pb = createFakePocketBase()
  const auth = createAuthClient({
    url: 'http://pb.test',
    fetch: pb.fetch,
    autoRefresh: false,
    timeoutMs: clientTimeoutMs,
  })
  clients.push(auth)
  await auth.authWithPassword('alice@example.com', 'pw')
  const held = deferred<FakeReply>()
  const signals: (AbortSignal | undefined)[] = []
  pb.on(POSTS, (_call, signal) => {
    signals.push(signal)
    return held.promise
  })
  return { auth, pb, signals, release: () => held.resolve(PAGE) }
}

describe('createDbInterface(auth, { timeoutMs })', () => {
  it('a shorter limit than the client’s applies to db calls, and the error names it', async () => {
    const { auth } = await signedIn(30_000)
    const pending = rejectionOf(createDbInterface(auth, { timeoutMs: 25 }).collection('posts').getList())
    await vi.advanceTimersByTimeAsync(25)
    const error = await pending
    expect(error).toMatchObject({ code: 'timeout', name: 'TimeoutError' })
    expect((error as Error).message).toContain('within 25 ms')
    expect(auth.isAuthenticated).toBe(true)
  })

  it('without the option, db calls keep the client’s timeoutMs', async () => {
    const { auth } = await signedIn(25)
    const pending = rejectionOf(createDbInterface(auth, {}).collection('posts').getList())
    await vi.advanceTimersByTimeAsync(25)
    const error = await pending
    expect(error).toMatchObject({ code: 'timeout' })
    expect((error as Error).message).toContain('within 25 ms')
  })

  it('0 sets no limit: an answer arriving after the client’s timeoutMs is returned, and fetch gets no signal', async () => {
    const { auth, signals, release } = await signedIn(20)
    const pending = createDbInterface(auth, { timeoutMs: 0 }).collection('posts').getList()
    await vi.advanceTimersByTimeAsync(60_000) // far past the client's 20 ms
    release()
    await expect(pending).resolves.toMatchObject({ items: [], totalItems: 0 })
    expect(signals).toEqual([undefined])
  })

  it('0 still honours the caller’s signal, past the client’s timeoutMs, and leaves no listener on it', async () => {
    const { auth, signals, release } = await signedIn(20)
    const db = createDbInterface(auth, { timeoutMs: 0 })
    const controller = new AbortController()
    const pending = db.collection('posts').getList(1, 30, { signal: controller.signal })
    await vi.advanceTimersByTimeAsync(60_000) // far past the client's 20 ms
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'aborted', name: 'AbortedError' })
    expect(signals).toHaveLength(1)
    // fetch follows a signal of our own, tied to the caller's, so nothing of fetch's stays on the caller's.
    expect(signals[0]).not.toBe(controller.signal)
    expect(signals[0]?.aborted).toBe(true)

    release()
    const live = new AbortController()
    await expect(db.collection('posts').getList(1, 30, { signal: live.signal })).resolves.toMatchObject({
      items: [],
    })
    expect(getEventListeners(live.signal, 'abort')).toHaveLength(0)
  })

  it.each<[string, string, FakeReply]>([
    ['a refused connection', 'network', connectionRefused()],
    [
      'a 500',
      'server_error',
      { status: 500, body: { data: {}, message: 'Something went wrong.', status: 500 } },
    ],
    ['a 404', 'not_found', { status: 404, body: { data: {}, message: 'Missing.', status: 404 } }],
  ])('0 still maps %s to %s, not to aborted or timeout', async (_label, code, reply) => {
    const { auth, pb } = await signedIn(30_000)
    pb.on(POSTS, () => reply)
    await expect(
      createDbInterface(auth, { timeoutMs: 0 }).collection('posts').getList(),
    ).rejects.toMatchObject({
      code,
    })
  })

  it('0 still answers a 401 with one refresh and one retry with the new token', async () => {
    const { auth, pb } = await signedIn(30_000)
    const old = auth.session!.token
    pb.on(POSTS, (call) => (call.authorization === old ? REJECTED_TOKEN : PAGE))
    await expect(
      createDbInterface(auth, { timeoutMs: 0 }).collection('posts').getList(),
    ).resolves.toMatchObject({
      items: [],
    })
    expect(pb.count('POST /api/collections/users/auth-refresh')).toBe(1)
    expect(pb.count(POSTS)).toBe(2)
    expect(pb.calls.at(-1)!.authorization).toBe(auth.session!.token)
  })

  it.each<[string, unknown]>([
    ['the largest timer delay', { timeoutMs: 2_147_483_647 }],
    ['timeoutMs undefined', { timeoutMs: undefined }],
    ['no options', {}],
    ['options undefined', undefined],
  ])('accepts %s', async (_label, options) => {
    const { auth } = await signedIn(30_000)
    expect(() => createDbInterface(auth, options as never)).not.toThrow()
  })

  it.each<[string, unknown, string]>([
    ['negative', { timeoutMs: -1 }, 'timeoutMs'],
    ['a fraction', { timeoutMs: 12.5 }, 'timeoutMs'],
    ['NaN', { timeoutMs: Number.NaN }, 'timeoutMs'],
    ['Infinity (use 0 for no limit)', { timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs'],
    ['above the largest timer delay', { timeoutMs: 2 ** 31 }, 'timeoutMs'],
    ['a string', { timeoutMs: '5000' }, 'timeoutMs'],
    ['null', { timeoutMs: null }, 'timeoutMs'],
    ['an unknown option', { timeout: 5_000 }, 'timeout'],
    ['options not an object', 'fast', '(options)'],
    ['options null', null, '(options)'],
  ])('rejects %s with a ConfigError naming it, before any request', async (_label, options, path) => {
    const { auth, pb } = await signedIn(30_000)
    const callsBefore = pb.calls.length
    const error = configErrorOf(() => createDbInterface(auth, options as never))
    expect(error.code).toBe('config_invalid')
    expect(error.issues.map((issue) => issue.path)).toEqual([path])
    expect(error.message).toMatch(/^Invalid arguments to createDbInterface: /)
    expect(error.message).toContain(path)
    expect(pb.calls).toHaveLength(callsBefore)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('never quotes the bad value', async () => {
    const { auth } = await signedIn(30_000)
    const error = configErrorOf(() => createDbInterface(auth, { timeoutMs: 'secret-4242' } as never))
    expect(error.message).not.toContain('secret-4242')
    expect(JSON.stringify(error)).not.toContain('secret-4242')
  })

  it.each<[string, unknown]>([
    ['undefined', undefined],
    ['a plain object', {}],
    ['a PocketBase-like object', { authStore: {}, collection: () => undefined }],
  ])('rejects %s in place of a client with a ConfigError naming auth', (_label, notAClient) => {
    const error = configErrorOf(() => createDbInterface(notAClient as AuthClient))
    expect(error.issues).toEqual([{ path: 'auth', message: 'must be a client from createAuthClient()' }])
    expect(error.message).toMatch(/^Invalid arguments to createDbInterface: auth: /)
  })

  it('lists a non-client and a bad option in one ConfigError', () => {
    const error = configErrorOf(() => createDbInterface({} as AuthClient, { timeoutMs: -1 }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['auth', 'timeoutMs'])
  })
})

describe('db.collection(name)', () => {
  it.each<[string, unknown]>([
    ['an empty name', ''],
    ['a blank name', '   '],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s with a ConfigError naming it, before any request', async (_label, name) => {
    const { auth, pb } = await signedIn(30_000)
    const callsBefore = pb.calls.length
    const error = configErrorOf(() => createDbInterface(auth).collection(name as string))
    expect(error.issues.map((issue) => issue.path)).toEqual(['name'])
    expect(error.message).toMatch(/^Invalid arguments to db\.collection: name: /)
    expect(pb.calls).toHaveLength(callsBefore)
  })
})
