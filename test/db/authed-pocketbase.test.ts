import { getEventListeners } from 'node:events'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as z from 'zod/mini'
import {
  createAuthClient,
  createDbInterface,
  isAuthError,
  type AuthClient,
  type AuthClientOptions,
} from '../../src/index.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { rejectionOf } from '../helpers/rejection.js'

const REFRESH = 'POST /api/collections/users/auth-refresh'
const POSTS = 'GET /api/collections/posts/records'
const post = (id: string, title: unknown = `post ${id}`): Record<string, unknown> => ({
  id,
  collectionId: 'pbc_posts',
  collectionName: 'posts',
  title,
})
const page = (items: unknown[]): FakeReply => ({
  status: 200,
  body: { page: 1, perPage: 30, totalItems: items.length, totalPages: 1, items },
})

const clients: AuthClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.useRealTimers()
})

async function setup(options: Partial<AuthClientOptions> = {}): Promise<{
  auth: AuthClient
  pb: FakePocketBase
  db: ReturnType<typeof createDbInterface>
}> {
  const pb = createFakePocketBase()
  const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch, autoRefresh: false, ...options })
  clients.push(auth)
  await auth.authWithPassword('alice@example.com', 'pw')
  pb.on(POSTS, () => page([post('p1')]))
  pb.on('GET /api/collections/posts/records/p1', () => ({ status: 200, body: post('p1') }))
  return { auth, pb, db: createDbInterface(auth) }
}

/** Answers 401 to the first token it sees on `route`, and 200 to any other. */
function rejectToken(pb: FakePocketBase, route: string, rejected: string, ok: () => FakeReply): void {
  pb.on(route, (call) => (call.authorization === rejected ? REJECTED_TOKEN : ok()))
}

describe('db adapter: tokens', () => {
  it('sends the current token on every call', async () => {
    const { auth, pb, db } = await setup()
    await db.collection('posts').getList(1, 30)
    await db.collection('posts').getOne('p1')
    await db.pb.send('/api/custom', { method: 'GET' }).catch(() => undefined)
    const sent = pb.calls.slice(1)
    expect(sent).toHaveLength(3)
    for (const call of sent) expect(call.authorization).toBe(auth.session!.token)
  })

  it('answers a 401 with exactly one refresh and one retry with the new token', async () => {
    const { auth, pb, db } = await setup()
    const old = auth.session!.token
    rejectToken(pb, POSTS, old, () => page([post('p1')]))
    const result = await db.collection('posts').getList()
    expect(result.items).toHaveLength(1)
    expect(pb.count(REFRESH)).toBe(1)
    expect(pb.count(POSTS)).toBe(2)
    expect(pb.calls.at(-1)!.authorization).toBe(auth.session!.token)
    expect(auth.session!.token).not.toBe(old)
  })

  it('gives up after the one retry when the new token is rejected too', async () => {
    const { pb, db } = await setup()
    pb.on(POSTS, () => REJECTED_TOKEN)
    await expect(db.collection('posts').getList()).rejects.toMatchObject({ code: 'token_expired' })
    expect(pb.count(REFRESH)).toBe(1)
    expect(pb.count(POSTS)).toBe(2)
  })

  it('refreshes once for many concurrent calls rejected with the same token', async () => {
    const { auth, pb, db } = await setup()
    const old = auth.session!.token
    const held = deferred<FakeReply>()
    let rejected = 0
    pb.on(POSTS, async (call) => {
      if (call.authorization !== old) return page([post('p1')])
      // Answer the 401s one by one, so a refresh can finish between them.
      rejected++
      if (rejected > 1) await held.promise
      return REJECTED_TOKEN
    })
    // The held 401s come back once the refresh has landed (an event, not a delay).
    auth.on('tokenRefreshed', () => held.resolve(REJECTED_TOKEN))
    const calls = Array.from({ length: 20 }, () => db.collection('posts').getList())
    const results = await Promise.all(calls)
    expect(results.every((r) => r.items.length === 1)).toBe(true)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('ends the session and throws token_expired when the refresh after a 401 is rejected', async () => {
    const { auth, pb, db } = await setup()
    pb.on(POSTS, () => REJECTED_TOKEN)
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(db.collection('posts').getList()).rejects.toMatchObject({ code: 'token_expired' })
    expect(auth.session).toBeNull()
    await expect(db.collection('posts').getList()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(pb.count(POSTS)).toBe(1)
  })

  it('never runs as a guest: no session means no request', async () => {
    const pb = createFakePocketBase()
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch })
    clients.push(auth)
    await expect(createDbInterface(auth).collection('posts').getList()).rejects.toMatchObject({
      code: 'not_authenticated',
    })
    expect(pb.calls).toHaveLength(0)
  })

  it('throws token_expired for an expired non-refreshable session, before any request', async () => {
    const pb = createFakePocketBase({ refreshable: false, tokenSeconds: 10 })
    const clock = { now: Date.now() }
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch, now: () => clock.now })
    clients.push(auth)
    await auth.authWithPassword('alice@example.com', 'pw')
    clock.now += 11_000
    await expect(createDbInterface(auth).collection('posts').getList()).rejects.toMatchObject({
      code: 'token_expired',
    })
    expect(pb.calls).toHaveLength(1)
  })

  it('keeps a user beforeSend working alongside its own Authorization', async () => {
    const { auth, pb, db } = await setup()
    const seen: string[] = []
    db.pb.beforeSend = (url, options) => {
      seen.push(url)
      return { url, options: { ...options, headers: { ...options.headers, 'X-Trace': 'abc' } } }
    }
    pb.on(POSTS, () => page([]))
    await db.collection('posts').getList()
    expect(seen).toEqual([expect.stringContaining('/api/collections/posts/records')])
    const sent = pb.calls.at(-1)!
    expect(sent.authorization).toBe(auth.session!.token)
    expect(sent.headers.get('x-trace')).toBe('abc') // the user's hook reached the wire too
  })
})

describe('db adapter: transport and errors', () => {
  it('does not auto-cancel: two identical concurrent getList calls both resolve', async () => {
    const { db } = await setup()
    const [a, b] = await Promise.all([
      db.collection('posts').getList(1, 30),
      db.collection('posts').getList(1, 30),
    ])
    expect(a.items).toHaveLength(1)
    expect(b.items).toHaveLength(1)
  })

  it('honours the caller signal: aborted', async () => {
    const { pb, db } = await setup()
    pb.on(POSTS, () => new Promise<FakeReply>(() => undefined))
    const controller = new AbortController()
    const pending = db.collection('posts').getList(1, 30, { signal: controller.signal })
    setTimeout(() => controller.abort(), 10)
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    const already = AbortSignal.abort()
    await expect(db.collection('posts').getOne('p1', { signal: already })).rejects.toMatchObject({
      code: 'aborted',
    })
  })

  it('honours a caller abort that lands while the token is being refreshed: no retry is sent', async () => {
    const { auth, pb, db } = await setup()
    const old = auth.session!.token
    const refresh = deferred<FakeReply>()
    const refreshSent = deferred<true>()
    rejectToken(pb, POSTS, old, () => page([post('p1')]))
    pb.on(REFRESH, () => {
      refreshSent.resolve(true)
      return refresh.promise
    })
    const controller = new AbortController()
    const pending = db.collection('posts').getList(1, 30, { signal: controller.signal })
    await refreshSent.promise
    expect(pb.count(REFRESH)).toBe(1)
    controller.abort()
    refresh.resolve(pb.authReply())
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    expect(pb.count(POSTS)).toBe(1)
    expect(auth.session?.token).not.toBe(old)
  })

  it('rejects at once when the caller aborts while waiting for a due refresh; the refresh still lands', async () => {
    let clock = Date.now()
    const { auth, pb, db } = await setup({ now: () => clock })
    const old = auth.session!.token
    const refresh = deferred<FakeReply>()
    const refreshSent = deferred<true>()
    pb.on(REFRESH, () => {
      refreshSent.resolve(true)
      return refresh.promise
    })
    clock = auth.session!.expiresAt - 1_000 // due: getToken() must refresh first
    const controller = new AbortController()
    const pending = db.collection('posts').getList(1, 30, { signal: controller.signal })
    await refreshSent.promise
    expect(pb.count(REFRESH)).toBe(1)
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' }) // the refresh is still held
    expect(pb.count(POSTS)).toBe(0)
    const refreshed = new Promise<void>((resolve) => auth.on('tokenRefreshed', () => resolve()))
    refresh.resolve(pb.authReply())
    await refreshed
    expect(auth.session?.token).not.toBe(old)
  })

  it('times out after timeoutMs: timeout', async () => {
    // Fake timers: the 30 ms limit runs on the test's clock, so a slow machine cannot time the sign-in out.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { pb, db } = await setup({ timeoutMs: 30 })
    pb.on(POSTS, () => new Promise<FakeReply>(() => undefined))
    const pending = rejectionOf(db.collection('posts').getList())
    await vi.advanceTimersByTimeAsync(29)
    expect(pb.count(POSTS)).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(await pending).toMatchObject({ code: 'timeout' })
  })

  it('times out as timeout, not aborted, when the caller passed a signal that never aborted; no listener stays', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { pb, db } = await setup({ timeoutMs: 30 })
    pb.on(POSTS, () => new Promise<FakeReply>(() => undefined))
    const controller = new AbortController()
    const pending = rejectionOf(db.collection('posts').getList(1, 30, { signal: controller.signal }))
    await vi.advanceTimersByTimeAsync(30)
    expect(await pending).toMatchObject({ code: 'timeout' })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    await db.collection('posts').getOne('p1', { signal: controller.signal })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })

  it('maps a failed connection to network', async () => {
    const { pb, db } = await setup()
    pb.on(POSTS, () => connectionRefused())
    const error = await db
      .collection('posts')
      .getList()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'network', name: 'NetworkError' })
    expect(error).not.toHaveProperty('status', 0)
  })

  it.each([
    [404, { data: {}, message: "The requested resource wasn't found.", status: 404 }, 'not_found'],
    [403, { data: {}, message: 'Only superusers can perform this action.', status: 403 }, 'forbidden'],
    [500, { data: {}, message: 'Something went wrong.', status: 500 }, 'server_error'],
    [429, { data: {}, message: 'Too Many Requests.', status: 429 }, 'rate_limited'],
  ])('maps %i to %s', async (status, body, code) => {
    const { pb, db } = await setup()
    pb.on(POSTS, () => ({ status, body }))
    await expect(db.collection('posts').getList()).rejects.toMatchObject({ code, status })
  })

  it('maps a 400 with field errors to validation_failed with fieldErrors', async () => {
    const { pb, db } = await setup()
    pb.on('POST /api/collections/posts/records', () => ({
      status: 400,
      body: {
        data: { title: { code: 'validation_required', message: 'Cannot be blank.' } },
        message: 'Failed to create record.',
        status: 400,
      },
    }))
    await expect(db.collection('posts').create({ title: '' })).rejects.toMatchObject({
      code: 'validation_failed',
      fieldErrors: { title: { code: 'validation_required', message: 'Cannot be blank.' } },
    })
  })

  it.each([
    ['a 404', { status: 404, body: { data: {}, message: 'Missing.', status: 404 } }],
    ['a 401 (then the refresh is rejected too)', { status: 401, body: PB_BODIES.requiresAuth }],
    ['a network failure', new TypeError('fetch failed')],
  ] as const)('keeps the token out of %s: message, stack, JSON and inspect with causes', async (_, reply) => {
    const { auth, pb, db } = await setup()
    const token = auth.session!.token
    pb.on(POSTS, () => reply)
    pb.on(REFRESH, () => ({ status: 401, body: PB_BODIES.requiresAuth }))
    const error = await db
      .collection('posts')
      .getList()
      .catch((e: unknown) => e)
    expect(isAuthError(error)).toBe(true)
    for (const rendered of [
      String(error),
      (error as Error).stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: Infinity, showHidden: true }),
    ]) {
      expect(rendered).not.toContain(token)
    }
  })
})

describe('db adapter: schemas', () => {
  const Post = z.object({ id: z.string(), title: z.string() })

  it('returns records parsed by the collection schema', async () => {
    const { db } = await setup()
    const posts = db.collection('posts', { schema: Post })
    const one = await posts.getOne('p1')
    expect(one).toEqual({ id: 'p1', title: 'post p1' })
    const list = await posts.getList()
    expect(list.items).toEqual([{ id: 'p1', title: 'post p1' }])
  })

  it('rejects a record that does not match: unexpected_response naming the failing path', async () => {
    const { pb, db } = await setup()
    pb.on(POSTS, () => page([post('p1'), post('p2', 42)]))
    const error = await db
      .collection('posts', { schema: Post })
      .getList()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'unexpected_response' })
    expect((error as Error).message).toMatch(/record 1 .*"title"/)
    expect((error as Error).message).toContain('GET http://pb.test/api/collections/posts/records')
  })
})
