import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type AuthEvents,
  type SignedOutReason,
} from '../../src/index.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBase,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'

const START = 1_700_000_000_000
const SU_PASSWORD = 'POST /api/collections/_superusers/auth-with-password'
const SU_REFRESH = 'POST /api/collections/_superusers/auth-refresh'
const impersonateRoute = (id: string): string => `POST /api/collections/users/impersonate/${id}`

const clients: AuthClient[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  // Every client draws its place in the refresh spread from Math.random: pin it, so refresh times are exact.
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A superuser with `credentials` on a fake server issuing 15 s tokens, and its impersonation routes. */
function superuser(): { admin: AuthClient; pb: FakePocketBase; children: FakePocketBase } {
  const pb = createFakePocketBase({ tokenSeconds: 15, collectionName: '_superusers' })
  const children = createFakePocketBase({ tokenSeconds: 15, refreshable: false })
  const admin = createAuthClient({
    url: 'http://pb.test',
    collection: '_superusers',
    fetch: pb.fetch,
    credentials: () => ({ identity: 'admin@example.com', password: 'pw-secret-1' }),
  })
  clients.push(admin)
  return { admin, pb, children }
}

/** `count` renewing children of `admin`, with ids child-0… */
async function renewingChildren(
  admin: AuthClient,
  pb: FakePocketBase,
  children: FakePocketBase,
  count: number,
): Promise<AuthClient[]> {
  const made: AuthClient[] = []
  for (let i = 0; i < count; i++) {
    pb.on(impersonateRoute(`child-${i}`), () => children.authReply())
    const child = await admin.impersonate(`child-${i}`, { durationSeconds: 15, renew: true })
    clients.push(child)
    made.push(child)
  }
  return made
}

function signedOutOf(client: AuthClient): SignedOutReason[] {
  const reasons: SignedOutReason[] = []
  client.on('signedOut', ({ reason }) => reasons.push(reason))
  return reasons
}

/** Makes every route of `pb` answer like a server that is down, until `up()`. */
function outage(pb: FakePocketBase, routes: string[]): { up: (restore: () => void) => void } {
  for (const route of routes) pb.on(route, () => connectionRefused())
  return { up: (restore) => restore() }
}

describe('renewing children and a long outage', () => {
  it('survive an outage their parent survives, and renew at once when the server is back', async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken() // signs in through credentials
    const kids = await renewingChildren(admin, pb, children, 5)
    const ended = kids.map(signedOutOf)
    const adminEnded = signedOutOf(admin)
    const failed: AuthEvents['refreshFailed'][] = []
    kids[0]!.on('refreshFailed', (event) => failed.push(event))

    const routes = [SU_PASSWORD, SU_REFRESH, ...kids.map((_, i) => impersonateRoute(`child-${i}`))]
    const down = outage(pb, routes)
    await vi.advanceTimersByTimeAsync(25_000) // every token (15 s) expires during the outage
    expect(kids.every((kid) => !kid.isAuthenticated)).toBe(true)
    expect(ended.flat()).toEqual([])
    expect(adminEnded).toEqual([])
    expect(kids.every((kid) => kid.session !== null)).toBe(true)
    expect(failed.length).toBeGreaterThan(0)
    expect(failed.every((event) => event.willRetry)).toBe(true)
    await expect(kids[0]!.getToken()).rejects.toMatchObject({ code: 'refresh_failed' })

    down.up(() => {
      pb.on(SU_PASSWORD, () => pb.authReply())
      pb.on(SU_REFRESH, () => REJECTED_TOKEN) // the parent's token expired on the server too
      kids.forEach((_, i) => pb.on(impersonateRoute(`child-${i}`), () => children.authReply()))
    })
    // No timer advanced: each call renews at once instead of waiting out the backoff.
    const tokens = await Promise.all(kids.map((kid) => kid.getToken()))
    expect(tokens.every((token, i) => token === kids[i]!.session!.token)).toBe(true)
    expect(kids.every((kid) => kid.isAuthenticated)).toBe(true)
    expect(admin.isAuthenticated).toBe(true)
    expect(ended.flat()).toEqual([])
    // The parent signed in again once for all five renewals (once at the start, once after the outage).
    expect(pb.count(SU_PASSWORD)).toBe(2)
  })

  it('counts: after the server is back, no call fails after the first one that succeeds', async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken()
    const [kid] = await renewingChildren(admin, pb, children, 1)
    const down = outage(pb, [SU_PASSWORD, SU_REFRESH, impersonateRoute('child-0')])
    const outcomes: string[] = []
    const call = async (): Promise<void> => {
      outcomes.push(
        await kid!.getToken().then(
          () => 'ok',
          (error: { code: string }) => error.code,
        ),
      )
    }
    for (let second = 0; second < 25; second++) {
      await call()
      await vi.advanceTimersByTimeAsync(1_000)
    }
    down.up(() => {
      pb.on(SU_PASSWORD, () => pb.authReply())
      pb.on(SU_REFRESH, () => pb.authReply())
      pb.on(impersonateRoute('child-0'), () => children.authReply())
    })
    for (let second = 0; second < 10; second++) {
      await call()
      await vi.advanceTimersByTimeAsync(1_000)
    }
    const firstOk = outcomes.indexOf('ok', outcomes.indexOf('refresh_failed'))
    expect(outcomes).toContain('refresh_failed')
    expect(firstOk).toBe(25) // the first call after the server's return
    expect(outcomes.slice(firstOk).every((outcome) => outcome === 'ok')).toBe(true)
  })
})

describe('children end with their parent', () => {
  it("end with the parent's logout(): signedOut 'logout', no renewal and no sign-in afterwards", async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken()
    const kids = await renewingChildren(admin, pb, children, 3)
    const ended = kids.map(signedOutOf)
    const passwordBefore = pb.count(SU_PASSWORD)
    admin.logout()
    expect(ended).toEqual([['logout'], ['logout'], ['logout']])
    expect(kids.every((kid) => kid.session === null)).toBe(true)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(kids.map((_, i) => pb.count(impersonateRoute(`child-${i}`)))).toEqual([1, 1, 1])
    expect(pb.count(SU_PASSWORD)).toBe(passwordBefore)
    expect(vi.getTimerCount()).toBe(0)
    await expect(kids[0]!.getToken()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('impersonate again'),
    })
    expect(pb.count(SU_PASSWORD)).toBe(passwordBefore)
  })

  it("end and close with the parent's dispose()", async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken()
    const [kid] = await renewingChildren(admin, pb, children, 1)
    const ended = signedOutOf(kid!)
    admin.dispose()
    expect(ended).toEqual(['logout'])
    await expect(kid!.getToken()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('dispose()'),
    })
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pb.count(impersonateRoute('child-0'))).toBe(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a child created without renew ends with the parent too', async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken()
    pb.on(impersonateRoute('plain'), () => children.authReply())
    const plain = await admin.impersonate('plain', { durationSeconds: 15 })
    clients.push(plain)
    const ended = signedOutOf(plain)
    admin.logout()
    expect(ended).toEqual(['logout'])
  })

  it('a child that its owner disposed is skipped; the parent goes on', async () => {
    const { admin, pb, children } = superuser()
    await admin.getToken()
    const [kid] = await renewingChildren(admin, pb, children, 1)
    kid!.dispose()
    expect(() => admin.logout()).not.toThrow()
    expect(admin.session).toBeNull()
  })
})

describe('after logout(), no background path signs in again', () => {
  it('a db call whose token is rejected after logout() ends not_authenticated, without a sign-in', async () => {
    const { admin, pb } = superuser()
    await admin.getToken()
    const held = deferred<FakeReply>()
    pb.on('GET /api/collections/posts/records', () => held.promise)
    const call = createDbInterface(admin)
      .collection('posts')
      .getList(1, 10)
      .catch((error: unknown) => error)
    await vi.advanceTimersByTimeAsync(0)
    admin.logout()
    held.resolve(REJECTED_TOKEN)
    expect(await call).toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('logout()'),
    })
    expect(pb.count(SU_PASSWORD)).toBe(1)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pb.count(SU_PASSWORD)).toBe(1)
  })

  it('an explicit getToken() or db call after logout() still signs in through credentials', async () => {
    const { admin, pb } = superuser()
    await admin.getToken()
    admin.logout()
    pb.on('GET /api/collections/posts/records', () => ({
      status: 200,
      body: { page: 1, perPage: 10, totalItems: 0, totalPages: 0, items: [] },
    }))
    await createDbInterface(admin).collection('posts').getList(1, 10)
    expect(pb.count(SU_PASSWORD)).toBe(2)
    expect(admin.isAuthenticated).toBe(true)
  })

  it('a refresh timer that finds the token rejected after a new sign-in signs in again (logout is forgotten)', async () => {
    const { admin, pb } = superuser()
    await admin.getToken()
    admin.logout()
    await admin.getToken()
    pb.on(SU_REFRESH, () => REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(13_000)
    expect(pb.count(SU_PASSWORD)).toBe(3)
    expect(admin.isAuthenticated).toBe(true)
  })
})
