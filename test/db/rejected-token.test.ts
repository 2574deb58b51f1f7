import { afterEach, describe, expect, it } from 'vitest'
import {
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type SignedOutReason,
} from '../../src/index.js'
import { REJECTED_TOKEN, createFakePocketBase, type FakeReply } from '../fixtures/fake-pocketbase.js'

const POSTS = 'GET /api/collections/posts/records'
const IMPERSONATE = 'POST /api/collections/users/impersonate/record1234567ab'
const EMPTY_PAGE: FakeReply = {
  status: 200,
  body: { page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] },
}

const clients: AuthClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
})

function track(auth: AuthClient): SignedOutReason[] {
  const reasons: SignedOutReason[] = []
  auth.on('signedOut', ({ reason }) => reasons.push(reason))
  return reasons
}

async function superuserWithChild(renew: boolean) {
  const pb = createFakePocketBase({ collectionName: '_superusers' })
  const childTokens = createFakePocketBase({ refreshable: false })
  pb.on(IMPERSONATE, () => childTokens.authReply())
  const admin = createAuthClient({
    url: 'http://pb.test',
    collection: '_superusers',
    fetch: pb.fetch,
    autoRefresh: false,
  })
  clients.push(admin)
  await admin.authWithPassword('admin@example.com', 'pw-secret-1')
  const child = await admin.impersonate('record1234567ab', { renew })
  clients.push(child)
  return { pb, admin, child }
}

describe('the db-interface handles a rejected token through the client\u2019s one path', () => {
  it('renews an impersonated child created with renew, and retries once with the new token', async () => {
    const { pb, child } = await superuserWithChild(true)
    const rejected = child.session!.token
    pb.on(POSTS, (call) => (call.authorization === rejected ? REJECTED_TOKEN : EMPTY_PAGE))
    const reasons = track(child)
    const page = await createDbInterface(child).collection('posts').getList()
    expect(page.items).toEqual([])
    expect(pb.count(IMPERSONATE)).toBe(2)
    expect(pb.calls.filter((c) => `${c.method} ${c.path}` === POSTS).map((c) => c.authorization)).toEqual([
      rejected,
      child.session!.token,
    ])
    expect(child.session!.token).not.toBe(rejected)
    expect(reasons).toEqual([])
  })

  it('ends a non-refreshable session it cannot renew (revoked) and throws token_expired, as getToken() would', async () => {
    const { pb, child } = await superuserWithChild(false)
    pb.on(POSTS, () => REJECTED_TOKEN)
    const reasons = track(child)
    const error = await createDbInterface(child)
      .collection('posts')
      .getList()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'token_expired',
      message: expect.stringContaining('impersonate again'),
    })
    expect(reasons).toEqual(['revoked'])
    expect(child.session).toBeNull()
    expect(pb.count(POSTS)).toBe(1)
    expect(pb.count(IMPERSONATE)).toBe(1)
    await expect(child.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
  })

  it('ends a session whose non-refreshable token came from a sign-in (API key) the same way', async () => {
    const pb = createFakePocketBase({ refreshable: false })
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch, autoRefresh: false })
    clients.push(auth)
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    const reasons = track(auth)
    pb.on(POSTS, () => REJECTED_TOKEN)
    const error = await createDbInterface(auth)
      .collection('posts')
      .getList()
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'token_expired' })
    expect(reasons).toEqual(['revoked'])
  })

  it('refreshes a refreshable token once for concurrent calls rejected with it, then retries each', async () => {
    const pb = createFakePocketBase()
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch, autoRefresh: false })
    clients.push(auth)
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    const rejected = auth.session!.token
    pb.on(POSTS, (call) => (call.authorization === rejected ? REJECTED_TOKEN : EMPTY_PAGE))
    const posts = createDbInterface(auth).collection('posts')
    await Promise.all(Array.from({ length: 10 }, () => posts.getList()))
    expect(pb.count('POST /api/collections/users/auth-refresh')).toBe(1)
    expect(pb.count(POSTS)).toBe(20)
  })
})
