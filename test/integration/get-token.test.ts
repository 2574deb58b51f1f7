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
import { NotAuthenticatedError, TokenExpiredError, createAuthClient } from '../../src/index.js'
import type { AuthClient, AuthClientOptions, AuthSession } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('get-token tests')

const USERS_REFRESH = 'POST /api/collections/users/auth-refresh'

/** A clock the test can move forward, as a user's `now` option. */
function movableClock(): { now: () => number; skipTo: (epochMs: number) => void } {
  let offsetMs = 0
  return {
    now: () => Date.now() + offsetMs,
    skipTo(epochMs) {
      offsetMs = epochMs - Date.now()
    },
  }
}

describe.skipIf(bin === undefined)('getToken against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const clients: AuthClient[] = []

  function client(options: Partial<AuthClientOptions> = {}): AuthClient {
    const auth = createAuthClient({ url: proxy.url, autoRefresh: false, ...options })
    clients.push(auth)
    return auth
  }

  /** Signs a fresh user in, waits past the second the token was issued in, and forgets the requests. */
  async function signedInClient(options: Partial<AuthClientOptions> = {}): Promise<{
    auth: AuthClient
    session: AuthSession
  }> {
    const user = await createUser(pb, 'users')
    const auth = client(options)
    const session = await auth.authWithPassword(user.email, user.password)
    proxy.reset()
    return { auth, session }
  }

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createAuthCollection(pb, 'shortlived')
    await setAuthTokenDuration(pb, 'shortlived', 10)
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
    proxy.reset()
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), pb?.stop()])
  })

  it('returns the current token without any request while it is fresh', async () => {
    const { auth, session } = await signedInClient()
    const tokens = await Promise.all([auth.getToken(), auth.getToken(), auth.getToken()])
    expect(tokens).toEqual([session.token, session.token, session.token])
    expect(proxy.counts()).toEqual({})
  })

  it('refreshes first when the token is inside the refresh skew', async () => {
    const clock = movableClock()
    const { auth, session } = await signedInClient({ now: clock.now, refreshSkewSeconds: 600 })
    const refreshed: AuthSession[] = []
    auth.on('tokenRefreshed', (next) => refreshed.push(next))
    await sleep(1100) // so the refreshed token differs from the first one

    clock.skipTo(session.expiresAt - 300_000) // 5 minutes left, less than the 10-minute skew
    const token = await auth.getToken()
    expect(token).not.toBe(session.token)
    expect(proxy.count(USERS_REFRESH)).toBe(1)
    expect(refreshed.map((next) => next.token)).toEqual([token])
    expect(auth.session?.token).toBe(token)

    // The new token is fresh again: no second refresh.
    await expect(auth.getToken()).resolves.toBe(token)
    expect(proxy.count(USERS_REFRESH)).toBe(1)
  })

  it('makes concurrent getToken calls share one auth-refresh', async () => {
    const clock = movableClock()
    const { auth, session } = await signedInClient({ now: clock.now })
    await sleep(1100)

    clock.skipTo(session.expiresAt - 60_000)
    const tokens = await Promise.all(Array.from({ length: 5 }, () => auth.getToken()))
    expect(new Set(tokens).size).toBe(1)
    expect(tokens[0]).not.toBe(session.token)
    expect(proxy.count(USERS_REFRESH)).toBe(1)
  })

  it('throws NotAuthenticatedError without a session, without a request', async () => {
    const auth = client()
    await expect(auth.getToken()).rejects.toBeInstanceOf(NotAuthenticatedError)
    await expect(auth.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(proxy.counts()).toEqual({})
  })

  it('signs a _superusers client in through credentials on the first getToken, once for concurrent callers', async () => {
    let asked = 0
    const auth = client({
      collection: '_superusers',
      credentials: async () => {
        asked++
        return { identity: pb.superuser.email, password: pb.superuser.password }
      },
    })
    const signedIn: AuthSession[] = []
    auth.on('signedIn', (session) => signedIn.push(session))

    const tokens = await Promise.all([auth.getToken(), auth.getToken(), auth.getToken()])
    expect(new Set(tokens).size).toBe(1)
    expect(proxy.count('POST /api/collections/_superusers/auth-with-password')).toBe(1)
    expect(asked).toBe(1)
    expect(auth.isSuperuser).toBe(true)
    expect(signedIn.map((session) => session.token)).toEqual([tokens[0]])

    await expect(auth.getToken()).resolves.toBe(tokens[0])
    expect(proxy.count('POST /api/collections/_superusers/auth-with-password')).toBe(1)
  })

  it('discards a refresh that completes after logout()', async () => {
    const clock = movableClock()
    const { auth, session } = await signedInClient({ now: clock.now })
    const seen: string[] = []
    auth.on('tokenRefreshed', () => seen.push('tokenRefreshed'))
    auth.on('signedOut', ({ reason }) => seen.push(`signedOut:${reason}`))

    clock.skipTo(session.expiresAt - 60_000)
    const viaGetToken = auth.getToken()
    const viaAuthRefresh = auth.authRefresh()
    auth.logout()

    await expect(viaAuthRefresh).rejects.toMatchObject({ code: 'aborted' })
    await expect(viaGetToken).rejects.toBeInstanceOf(NotAuthenticatedError)
    expect(proxy.count(USERS_REFRESH)).toBe(1)
    expect(auth.session).toBeNull()
    expect(seen).toEqual(['signedOut:logout'])
  })

  it('refreshes a 10 s token inside its skew window, and throws TokenExpiredError once it expired', async () => {
    const refresher = await createUser(pb, 'shortlived')
    const expirer = await createUser(pb, 'shortlived')
    const keeps = client({ collection: 'shortlived' })
    const lapses = client({ collection: 'shortlived' })
    const first = await keeps.authWithPassword(refresher.email, refresher.password)
    const doomed = await lapses.authWithPassword(expirer.email, expirer.password)
    const reasons: string[] = []
    lapses.on('signedOut', ({ reason }) => reasons.push(reason))
    proxy.reset()

    // The skew is capped at 20% of a token's life: a 10 s token is due about 2 s before it expires.
    await sleep(Math.max(0, first.expiresAt - 1000 - Date.now()))
    const renewed = await keeps.getToken()
    expect(renewed).not.toBe(first.token)
    expect(proxy.count('POST /api/collections/shortlived/auth-refresh')).toBe(1)

    await sleep(Math.max(0, doomed.expiresAt + 1500 - Date.now()))
    expect(lapses.isAuthenticated).toBe(false)
    const error = await lapses.getToken().then(
      () => undefined,
      (rejection: unknown) => rejection,
    )
    expect(error).toBeInstanceOf(TokenExpiredError)
    expect(error).toMatchObject({ code: 'token_expired', status: 401 })
    // The expired but refreshable token was offered to auth-refresh once, and the server said no.
    expect(proxy.count('POST /api/collections/shortlived/auth-refresh')).toBe(2)
    expect(lapses.session).toBeNull()
    expect(reasons).toEqual(['expired'])
  }, 30_000)
})
