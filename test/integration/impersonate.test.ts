import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthCollection,
  createBaseCollection,
  createUser,
  startCountingProxy,
  type CountingProxy,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  ConfigError,
  ForbiddenError,
  NotAuthenticatedError,
  NotFoundError,
  TokenNotRefreshableError,
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type AuthClientOptions,
} from '../../src/index.js'
import { nextEvent } from '../helpers/events.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('impersonate tests')

const IMPERSONATE_USERS = /^POST \/api\/collections\/users\/impersonate\//
/** Short impersonations for the expiry tests: refresh is due at 80% of the lifetime (about 5 s). */
const SHORT_SECONDS = 6

interface Post {
  id: string
  owner: string
  title: string
}

function impersonateCalls(proxy: CountingProxy): number {
  return Object.entries(proxy.counts())
    .filter(([key]) => IMPERSONATE_USERS.test(key))
    .reduce((sum, [, count]) => sum + count, 0)
}

describe.skipIf(bin === undefined)('impersonate against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const clients: AuthClient[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createAuthCollection(pb, 'members')
    await createBaseCollection(pb, 'posts', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true },
        { name: 'title', type: 'text' },
      ],
      rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
    })
  })

  afterEach(() => {
    for (const client of clients.splice(0)) client.dispose()
    proxy.reset()
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), pb?.stop()])
  })

  function track(auth: AuthClient): AuthClient {
    clients.push(auth)
    return auth
  }

  /** A superuser client through the counting proxy that signs itself in from `credentials`. */
  function superuser(options: Partial<AuthClientOptions> = {}): AuthClient {
    return track(
      createAuthClient({
        url: proxy.url,
        collection: '_superusers',
        autoRefresh: false,
        credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
        ...options,
      }),
    )
  }

  it('returns a child signed in as the user with a non-refreshable token of the asked duration', async () => {
    const user = await createUser(pb, 'users')
    const admin = superuser()
    const before = Date.now()

    const child = track(await admin.impersonate(user.id, { durationSeconds: 600 }))

    const after = Date.now()
    const session = child.session
    expect(session).toMatchObject({
      recordId: user.id,
      collectionName: 'users',
      refreshable: false,
      record: { id: user.id, email: user.email },
    })
    expect(session?.expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 3_000)
    expect(session?.expiresAt).toBeLessThanOrEqual(after + 600_000 + 1_000)
    expect(child.collection).toBe('users')
    expect(child.isAuthenticated).toBe(true)
    expect(child.isSuperuser).toBe(false)
    // The parent stays the superuser.
    expect(admin.isSuperuser).toBe(true)
    expect(admin.session?.recordId).not.toBe(user.id)
    expect(impersonateCalls(proxy)).toBe(1)
  })

  it('the child never asks auth-refresh: authRefresh() rejects and getToken() hands out the token', async () => {
    const user = await createUser(pb, 'users')
    const child = track(await superuser().impersonate(user.id, { durationSeconds: 600 }))
    const token = child.session?.token
    proxy.reset()

    await expect(child.authRefresh()).rejects.toBeInstanceOf(TokenNotRefreshableError)
    await expect(child.authRefresh()).rejects.toMatchObject({ code: 'token_not_refreshable' })
    await expect(child.getToken()).resolves.toBe(token)
    await expect(child.getToken()).resolves.toBe(token)

    expect(proxy.counts()).toEqual({})
    expect(child.session?.token).toBe(token)
  })

  it('works from a superuser signed in with authWithPassword on _superusers', async () => {
    const user = await createUser(pb, 'users')
    const admin = track(createAuthClient({ url: pb.url, collection: '_superusers', autoRefresh: false }))
    await admin.authWithPassword(pb.superuser.email, pb.superuser.password)

    const child = track(await admin.impersonate(user.id, { durationSeconds: 600 }))
    expect(child.session?.recordId).toBe(user.id)
  })

  it('a non-superuser gets forbidden', async () => {
    const [caller, target] = await Promise.all([createUser(pb, 'users'), createUser(pb, 'users')])
    const auth = track(createAuthClient({ url: pb.url, autoRefresh: false }))
    await auth.authWithPassword(caller.email, caller.password)

    const failure = await auth.impersonate(target.id).catch((error: unknown) => error)

    expect(failure).toBeInstanceOf(ForbiddenError)
    expect(failure).toMatchObject({ code: 'forbidden', status: 403 })
    // The caller's own session is untouched.
    expect(auth.session?.recordId).toBe(caller.id)
  })

  it('an unknown record id gets not_found', async () => {
    const admin = superuser()
    await expect(admin.impersonate('nosuchrecord123', { durationSeconds: 60 })).rejects.toBeInstanceOf(
      NotFoundError,
    )
    expect(admin.isAuthenticated).toBe(true)
  })

  it.each([-1, 1.5, Number.NaN])(
    'durationSeconds %s throws ConfigError without any request',
    async (durationSeconds) => {
      const admin = superuser()
      const failure = await admin.impersonate('whatever12345ab', { durationSeconds }).catch((e: unknown) => e)
      expect(failure).toBeInstanceOf(ConfigError)
      expect((failure as ConfigError).issues.map((issue) => issue.path)).toEqual(['options.durationSeconds'])
      // Not even the superuser sign-in happened.
      expect(proxy.counts()).toEqual({})
    },
  )

  it('an empty record id throws ConfigError without any request', async () => {
    await expect(superuser().impersonate('')).rejects.toBeInstanceOf(ConfigError)
    expect(proxy.counts()).toEqual({})
  })

  it('impersonates a record of another auth collection with { collection }', async () => {
    const member = await createUser(pb, 'members')
    const child = track(
      await superuser().impersonate(member.id, { collection: 'members', durationSeconds: 600 }),
    )
    expect(child.collection).toBe('members')
    expect(child.session).toMatchObject({
      recordId: member.id,
      collectionName: 'members',
      refreshable: false,
    })
    expect(proxy.count(`POST /api/collections/members/impersonate/${member.id}`)).toBe(1)
  })

  it('server to server: reads the user’s own posts through createDbInterface(child), not another’s', async () => {
    const [alice, bob] = await Promise.all([createUser(pb, 'users'), createUser(pb, 'users')])
    const create = (owner: string, title: string): Promise<Post> =>
      pb.api<Post>('POST', '/api/collections/posts/records', { owner, title })
    const [a1, a2, b1] = await Promise.all([
      create(alice.id, 'alice 1'),
      create(alice.id, 'alice 2'),
      create(bob.id, 'bob 1'),
    ])

    const child = track(await superuser().impersonate(alice.id, { durationSeconds: 600 }))
    const db = createDbInterface(child)
    const posts = db.collection<Post>('posts')

    const mine = await posts.getFullList({ sort: 'title' })
    expect(mine.map((post) => post.id)).toEqual([a1.id, a2.id])
    expect(mine.every((post) => post.owner === alice.id)).toBe(true)
    await expect(posts.getOne(a1.id)).resolves.toMatchObject({ title: 'alice 1' })
    await expect(posts.getOne(b1.id)).rejects.toBeInstanceOf(NotFoundError)
    expect(proxy.count('POST /api/collections/users/auth-refresh')).toBe(0)
  })

  it('with { renew: true } the child re-impersonates through its parent before expiry', async () => {
    const user = await createUser(pb, 'users')
    const admin = superuser({ autoRefresh: true })
    const child = track(await admin.impersonate(user.id, { durationSeconds: SHORT_SECONDS, renew: true }))
    const first = child.session
    if (first === null) throw new Error('no child session')
    const order: string[] = []
    child.on('expiring', () => order.push('expiring'))
    child.on('tokenRefreshed', () => order.push('tokenRefreshed'))
    child.on('signedOut', () => order.push('signedOut'))

    const renewed = await nextEvent(child, 'tokenRefreshed')

    expect(order).toEqual(['expiring', 'tokenRefreshed'])
    expect(renewed).toMatchObject({ recordId: user.id, refreshable: false })
    expect(renewed.token).not.toBe(first.token)
    expect(renewed.expiresAt).toBeGreaterThan(first.expiresAt)
    expect(child.session?.token).toBe(renewed.token)
    expect(impersonateCalls(proxy)).toBe(2)
    expect(proxy.count('POST /api/collections/users/auth-refresh')).toBe(0)
  })

  it('without renew the child announces expiring, then signs out as expired', async () => {
    const user = await createUser(pb, 'users')
    const admin = superuser({ autoRefresh: true })
    const child = track(await admin.impersonate(user.id, { durationSeconds: SHORT_SECONDS }))
    const first = child.session
    const order: string[] = []
    child.on('expiring', () => order.push('expiring'))
    child.on('tokenRefreshed', () => order.push('tokenRefreshed'))
    const expiring = nextEvent(child, 'expiring')
    const signedOut = nextEvent(child, 'signedOut')

    const announced = await expiring
    expect(announced.session.token).toBe(first?.token)
    expect(announced.msLeft).toBeGreaterThan(0)
    await expect(signedOut).resolves.toEqual({ reason: 'expired' })

    expect(order).toEqual(['expiring'])
    expect(child.session).toBeNull()
    expect(child.isAuthenticated).toBe(false)
    await expect(child.getToken()).rejects.toBeInstanceOf(NotAuthenticatedError)
    expect(impersonateCalls(proxy)).toBe(1)
    expect(proxy.count('POST /api/collections/users/auth-refresh')).toBe(0)
  })
})
