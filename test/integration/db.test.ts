import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import * as z from 'zod/mini'
import {
  createAuthCollection,
  createBaseCollection,
  createUser,
  setAuthTokenDuration,
  startCountingProxy,
  type CountingProxy,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type AuthClientOptions,
  type DbInterface,
  type ListResult,
} from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('db tests')

interface Post {
  id: string
  title: string
  owner: string
}

const PostSchema = z.object({ id: z.string(), title: z.string(), owner: z.string() })

describe.skipIf(bin === undefined)('db adapter against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const cleanups: (() => unknown)[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    const own = 'owner = @request.auth.id'
    await createBaseCollection(pb, 'posts', {
      fields: [
        { name: 'title', type: 'text', required: true, max: 200 },
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true },
      ],
      rules: { listRule: own, viewRule: own, createRule: own, updateRule: own, deleteRule: own },
    })
    await createAuthCollection(pb, 'members')
    await setAuthTokenDuration(pb, 'members', 10)
  })

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    proxy.reset()
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  /** A fresh user signed in through the counting proxy, and a db over that client. */
  async function signedIn(
    collection = 'users',
    options: Partial<AuthClientOptions> = {},
  ): Promise<{ auth: AuthClient; db: DbInterface; userId: string }> {
    const user = await createUser(pb, collection, { verified: true })
    const auth = createAuthClient({ url: proxy.url, collection, ...options })
    cleanups.push(() => auth.dispose())
    await auth.authWithPassword(user.email, user.password)
    return { auth, db: createDbInterface(auth), userId: user.id }
  }

  it('runs getList, getFullList, getOne, getFirstListItem, create, update and delete as the user', async () => {
    const { db, userId } = await signedIn()
    const posts = db.collection<Post>('posts')

    const created = await posts.create({ title: 'first', owner: userId })
    expectTypeOf(created).toEqualTypeOf<Post>()
    expect(created).toMatchObject({ title: 'first', owner: userId })
    await posts.create({ title: 'second', owner: userId })

    const page: ListResult<Post> = await posts.getList(1, 1, { sort: 'title' })
    expect(page).toMatchObject({ page: 1, perPage: 1, totalItems: 2, totalPages: 2 })
    expect(page.items.map((p) => p.title)).toEqual(['first'])
    expect((await posts.getFullList({ sort: 'title', batch: 1 })).map((p) => p.title)).toEqual([
      'first',
      'second',
    ])
    expect(await posts.getOne(created.id)).toMatchObject({ id: created.id, title: 'first' })
    expect(await posts.getFirstListItem('title = "second"')).toMatchObject({ title: 'second' })
    await expect(posts.getFirstListItem('title = "nothing like this"')).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    })

    const updated = await posts.update(created.id, { title: 'renamed' })
    expect(updated.title).toBe('renamed')
    expect(await posts.delete(created.id)).toBe(true)
    await expect(posts.getOne(created.id)).rejects.toMatchObject({ code: 'not_found', status: 404 })
  })

  it("keeps users apart: another user's record is not_found, own records are listed", async () => {
    const alice = await signedIn()
    const bob = await signedIn()
    const post = await alice.db.collection<Post>('posts').create({ title: 'private', owner: alice.userId })
    await expect(bob.db.collection('posts').getOne(post.id)).rejects.toMatchObject({ code: 'not_found' })
    expect((await bob.db.collection('posts').getList()).totalItems).toBe(0)
    expect((await alice.db.collection('posts').getList()).totalItems).toBe(1)
  })

  it('maps a 400 to validation_failed with fieldErrors', async () => {
    const { db, userId } = await signedIn()
    const error = await db
      .collection('posts')
      .create({ title: '', owner: userId })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'validation_failed',
      status: 400,
      fieldErrors: { title: { code: 'validation_required' } },
    })
  })

  it('does not auto-cancel: two identical concurrent getList calls both resolve', async () => {
    const { db, userId } = await signedIn()
    await db.collection<Post>('posts').create({ title: 'x', owner: userId })
    const [a, b] = await Promise.all([
      db.collection('posts').getList(1, 5),
      db.collection('posts').getList(1, 5),
    ])
    expect(a.totalItems).toBe(1)
    expect(b.totalItems).toBe(1)
  })

  it("honours the caller's signal: aborted", async () => {
    const { db } = await signedIn()
    const controller = new AbortController()
    const pending = db.collection('posts').getList(1, 5, { signal: controller.signal })
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    await expect(db.collection('posts').getList(1, 5, { signal: AbortSignal.abort() })).rejects.toMatchObject(
      {
        code: 'aborted',
      },
    )
  })

  it('validates records with a zod/mini schema, and names the failing path when one does not match', async () => {
    const { db, userId } = await signedIn()
    const posts = db.collection('posts', { schema: PostSchema })
    const created = await posts.create({ title: 'typed', owner: userId })
    expectTypeOf(created).toEqualTypeOf<z.infer<typeof PostSchema>>()
    expect(await posts.getOne(created.id)).toEqual({ id: created.id, title: 'typed', owner: userId })

    const wrong = db.collection('posts', { schema: z.object({ id: z.string(), title: z.number() }) })
    const error = await wrong.getList().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'unexpected_response' })
    expect((error as Error).message).toContain('"title"')
  })

  it('maps a connection that fails to network', async () => {
    const ownProxy = await startCountingProxy(pb.url)
    const user = await createUser(pb, 'users', { verified: true })
    const auth = createAuthClient({ url: ownProxy.url })
    cleanups.push(() => auth.dispose())
    await auth.authWithPassword(user.email, user.password)
    await ownProxy.stop()
    await expect(createDbInterface(auth).collection('posts').getList()).rejects.toMatchObject({
      code: 'network',
    })
  })

  it('authenticates db.pb requests too, alongside a user beforeSend', async () => {
    const { db, userId } = await signedIn()
    await db.collection<Post>('posts').create({ title: 'via pb', owner: userId })
    const seen: string[] = []
    db.pb.beforeSend = (url, options) => {
      seen.push(url)
      return { url, options: { ...options, query: { ...options.query, filter: 'title = "via pb"' } } }
    }
    const list = await db.pb.collection('posts').getList(1, 10)
    expect(list.totalItems).toBe(1)
    const raw = await db.pb.send<{ id: string }>(`/api/collections/users/records/${userId}`, {
      method: 'GET',
    })
    expect(raw.id).toBe(userId)
    expect(seen).toHaveLength(2)
  })

  it('refreshes once for 200 concurrent calls issued at expiry, and every call succeeds', async () => {
    const clock = { offsetMs: 0 }
    const { auth, db, userId } = await signedIn('members', {
      autoRefresh: false,
      now: () => Date.now() + clock.offsetMs,
    })
    const old = auth.session!
    expect(old.expiresAt - old.issuedAt).toBeLessThanOrEqual(10_000)
    clock.offsetMs = old.expiresAt - Date.now() - 300
    proxy.reset()
    const results = await Promise.all(
      Array.from({ length: 200 }, () => db.collection('members').getOne(userId)),
    )
    expect(results.every((r) => r.id === userId)).toBe(true)
    expect(proxy.count('POST /api/collections/members/auth-refresh')).toBe(1)
    expect(proxy.count(`GET /api/collections/members/records/${userId}`)).toBe(200)
    // PocketBase issues byte-identical tokens within one second, so compare sessions, not tokens.
    expect(auth.session).not.toBe(old)
    expect(auth.session!.expiresAt).toBeGreaterThanOrEqual(old.expiresAt)
  })

  it('throws token_expired for a session known to be expired, without sending the call', async () => {
    const clock = { offsetMs: 0 }
    const admin = createAuthClient({
      url: proxy.url,
      collection: '_superusers',
      now: () => Date.now() + clock.offsetMs,
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
    cleanups.push(() => admin.dispose())
    const user = await createUser(pb, 'users', { verified: true })
    const child = await admin.impersonate(user.id, { durationSeconds: 60 })
    cleanups.push(() => child.dispose())
    const db = createDbInterface(child)
    expect((await db.collection('users').getOne(user.id)).id).toBe(user.id)

    clock.offsetMs = 61_000
    proxy.reset()
    await expect(db.collection('users').getOne(user.id)).rejects.toMatchObject({ code: 'token_expired' })
    expect(proxy.counts()).toEqual({})
    expect(child.session).toBeNull()
  })

  it('ends a revoked session after one refresh attempt on a 401, instead of retrying forever', async () => {
    const email = `admin-${Date.now()}@example.com`
    const created = await createUser(pb, '_superusers', { email, password: 'Sup3rSecret!pw2' })
    const admin = createAuthClient({ url: proxy.url, collection: '_superusers' })
    cleanups.push(() => admin.dispose())
    await admin.authWithPassword(email, 'Sup3rSecret!pw2')
    const signedOut: string[] = []
    admin.on('signedOut', ({ reason }) => signedOut.push(reason))
    const db = createDbInterface(admin)
    expect((await db.pb.collections.getList(1, 1)).totalItems).toBeGreaterThan(0)

    await pb.api('PATCH', `/api/collections/_superusers/records/${created.id}`, {
      password: 'An0therSecret!pw',
      passwordConfirm: 'An0therSecret!pw',
    })
    proxy.reset()
    await expect(db.pb.collections.getList(1, 1)).rejects.toMatchObject({ code: 'token_expired' })
    expect(proxy.count('POST /api/collections/_superusers/auth-refresh')).toBe(1)
    expect(proxy.count('GET /api/collections')).toBe(1)
    expect(signedOut).toEqual(['revoked'])
  })
})
