import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthCollection,
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
  type AuthEvents,
  type AuthSession,
} from '../../src/index.js'
import { nextEvent } from '../helpers/events.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('lifecycle tests')

describe.skipIf(bin === undefined)('token lifecycle against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const clients: AuthClient[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createAuthCollection(pb, 'short10')
    await setAuthTokenDuration(pb, 'short10', 10)
    await createAuthCollection(pb, 'short20')
    await setAuthTokenDuration(pb, 'short20', 20)
  })

  afterEach(() => {
    for (const client of clients.splice(0)) client.dispose()
    proxy.reset()
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  it('stays signed in across several 10 s expiries with no caller action', async () => {
    const user = await createUser(pb, 'short10', { verified: true })
    const auth = createAuthClient({ url: proxy.url, collection: 'short10' })
    clients.push(auth)
    const refreshed: AuthSession[] = []
    const signedOut: AuthEvents['signedOut'][] = []
    auth.on('tokenRefreshed', (session) => refreshed.push(session))
    auth.on('signedOut', (event) => signedOut.push(event))
    const first = await auth.authWithPassword(user.email, user.password)
    expect(first.expiresAt - first.issuedAt).toBeLessThanOrEqual(10_000)

    // Three lifetimes and a bit: each token is refreshed 2 s before its expiry.
    await sleep(first.expiresAt + 2 * 8_000 - Date.now() + 1_500)

    expect(refreshed.length).toBeGreaterThanOrEqual(3)
    expect(signedOut).toEqual([])
    expect(proxy.count('POST /api/collections/short10/auth-refresh')).toBe(refreshed.length)
    const expiries = [first, ...refreshed].map((s) => s.expiresAt)
    expect(expiries).toEqual([...expiries].sort((a, b) => a - b))
    expect(expiries.at(-1)! - expiries[0]!).toBeGreaterThan(20_000)
    expect(auth.isAuthenticated).toBe(true)
    const own = await createDbInterface(auth).collection('short10').getOne(user.id)
    expect(own.id).toBe(user.id)
  })

  it('retries through a PocketBase outage and recovers with the session intact', async () => {
    const user = await createUser(pb, 'short20', { verified: true })
    const auth = createAuthClient({ url: pb.url, collection: 'short20' })
    clients.push(auth)
    const signedOut: AuthEvents['signedOut'][] = []
    auth.on('signedOut', (event) => signedOut.push(event))
    const first = await auth.authWithPassword(user.email, user.password)
    const db = createDbInterface(auth)

    await pb.kill()
    await expect(db.collection('short20').getOne(user.id)).rejects.toMatchObject({ code: 'network' })
    const failure = await nextEvent(auth, 'refreshFailed', 25_000)
    expect(failure).toMatchObject({ willRetry: true, error: { code: 'network' } })
    expect(failure.retryInMs).toBeGreaterThan(0)
    expect(auth.session).toBe(first)
    expect(auth.isAuthenticated).toBe(true)

    const recovered = nextEvent(auth, 'tokenRefreshed', 15_000)
    await pb.restart()
    const session = await recovered
    expect(session.recordId).toBe(user.id)
    expect(session.expiresAt).toBeGreaterThan(first.expiresAt)
    expect(signedOut).toEqual([])
    expect((await db.collection('short20').getOne(user.id)).id).toBe(user.id)
  })

  describe('a superuser client with credentials', () => {
    const credentials = (): { identity: string; password: string } => ({
      identity: pb.superuser.email,
      password: pb.superuser.password,
    })

    beforeAll(async () => {
      await setAuthTokenDuration(pb, '_superusers', 10)
    })

    it('signs in by itself on first use', async () => {
      const admin = createAuthClient({ url: proxy.url, collection: '_superusers', credentials })
      clients.push(admin)
      const total = await createDbInterface(admin).pb.collections.getList(1, 1)
      expect(total.totalItems).toBeGreaterThan(0)
      expect(admin.isSuperuser).toBe(true)
      expect(proxy.count('POST /api/collections/_superusers/auth-with-password')).toBe(1)
    })

    it('survives a clock jump ("slept" while the server kept the token valid): one refresh', async () => {
      const clock = { offsetMs: 0 }
      const admin = createAuthClient({
        url: proxy.url,
        collection: '_superusers',
        credentials,
        autoRefresh: false,
        now: () => Date.now() + clock.offsetMs,
      })
      clients.push(admin)
      const signedOut: unknown[] = []
      admin.on('signedOut', (event) => signedOut.push(event))
      await admin.getToken()
      const sessionBefore = admin.session
      clock.offsetMs = 3_600_000
      expect(admin.isAuthenticated).toBe(false)
      const token = await admin.getToken()
      expect(token).toBe(admin.session!.token)
      expect(admin.session).not.toBe(sessionBefore) // renewed by the refresh, not kept
      expect(admin.isAuthenticated).toBe(true)
      expect(signedOut).toEqual([])
      expect(proxy.count('POST /api/collections/_superusers/auth-refresh')).toBe(1)
      expect(proxy.count('POST /api/collections/_superusers/auth-with-password')).toBe(1)
    })

    it('signs in again through credentials after its token really expired while idle', async () => {
      const admin = createAuthClient({
        url: proxy.url,
        collection: '_superusers',
        credentials,
        autoRefresh: false,
      })
      clients.push(admin)
      const signedIn: AuthSession[] = []
      admin.on('signedIn', (session) => signedIn.push(session))
      await admin.getToken()
      const { expiresAt } = admin.session!
      await sleep(expiresAt - Date.now() + 1_200)
      expect(admin.isAuthenticated).toBe(false)

      const db = createDbInterface(admin)
      const list = await db.pb.collections.getList(1, 1)
      expect(list.totalItems).toBeGreaterThan(0)
      expect(admin.isAuthenticated).toBe(true)
      expect(signedIn).toHaveLength(2)
      expect(proxy.count('POST /api/collections/_superusers/auth-refresh')).toBe(1)
      expect(proxy.count('POST /api/collections/_superusers/auth-with-password')).toBe(2)
    })
  })
})
