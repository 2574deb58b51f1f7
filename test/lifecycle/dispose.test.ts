import { afterEach, describe, expect, it } from 'vitest'
import { AuthClient, createAuthClient, createDbInterface } from '../../src/index.js'
import { createFakePocketBase } from '../fixtures/fake-pocketbase.js'

const clients: AuthClient[] = []
afterEach(() => {
  for (const client of clients.splice(0)) client.dispose()
})

/** Every method of a disposed client that must refuse, called with valid arguments. */
const CALLS: Record<string, (auth: AuthClient) => unknown> = {
  authWithPassword: (auth) => auth.authWithPassword('alice@example.com', 'pw-secret-1'),
  requestOTP: (auth) => auth.requestOTP('alice@example.com'),
  authWithOTP: (auth) => auth.authWithOTP('otp-id', '123456'),
  listAuthMethods: (auth) => auth.listAuthMethods(),
  startOAuth2: (auth) => auth.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:3000/callback' }),
  completeOAuth2: (auth) => auth.completeOAuth2({ state: 'state-1', code: 'code-1' }),
  authWithOAuth2Code: (auth) =>
    auth.authWithOAuth2Code('oidc', 'code-1', 'verifier-1', 'http://127.0.0.1:3000/callback'),
  authRefresh: (auth) => auth.authRefresh(),
  getToken: (auth) => auth.getToken(),
  impersonate: (auth) => auth.impersonate('record1234567ab'),
  logout: (auth) => auth.logout(),
  requestVerification: (auth) => auth.requestVerification('alice@example.com'),
  confirmVerification: (auth) => auth.confirmVerification('token-1'),
  requestPasswordReset: (auth) => auth.requestPasswordReset('alice@example.com'),
  confirmPasswordReset: (auth) => auth.confirmPasswordReset('token-1', 'new-pw-secret', 'new-pw-secret'),
  requestEmailChange: (auth) => auth.requestEmailChange('new@example.com'),
  confirmEmailChange: (auth) => auth.confirmEmailChange('token-1', 'pw-secret-1'),
  on: (auth) => auth.on('signedIn', () => undefined),
}

/** What stays usable after dispose(). */
const STILL_USABLE = ['constructor', 'collection', 'session', 'isAuthenticated', 'isSuperuser', 'dispose']

async function disposedClient(): Promise<{ auth: AuthClient; requests: () => number }> {
  const pb = createFakePocketBase()
  const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch })
  clients.push(auth)
  await auth.authWithPassword('alice@example.com', 'pw-secret-1')
  auth.dispose()
  const before = pb.calls.length
  return { auth, requests: () => pb.calls.length - before }
}

describe('dispose() closes the client', () => {
  it('lists every public method of AuthClient here (a new method must say how it behaves when disposed)', () => {
    const names = Object.getOwnPropertyNames(AuthClient.prototype)
    expect(names.filter((name) => !STILL_USABLE.includes(name)).sort()).toEqual(Object.keys(CALLS).sort())
  })

  it.each(Object.keys(CALLS))(
    '%s refuses with not_authenticated naming dispose(), and sends nothing',
    async (name) => {
      const { auth, requests } = await disposedClient()
      let error: unknown
      try {
        await CALLS[name]!(auth)
      } catch (caught) {
        error = caught
      }
      expect(error).toMatchObject({
        code: 'not_authenticated',
        message: expect.stringContaining('dispose()'),
      })
      expect((error as Error).message.startsWith(`${name}:`)).toBe(true)
      expect(requests()).toBe(0)
    },
  )

  it('keeps session, isAuthenticated, isSuperuser and collection readable, and dispose() idempotent', async () => {
    const { auth } = await disposedClient()
    expect(auth.session?.recordId).toBe('record1234567ab')
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.isSuperuser).toBe(false)
    expect(auth.collection).toBe('users')
    expect(() => auth.dispose()).not.toThrow()
    await expect(auth[Symbol.asyncDispose]()).resolves.toBeUndefined()
  })

  it('makes a db-interface over it refuse too, without a request', async () => {
    const { auth, requests } = await disposedClient()
    const error = await createDbInterface(auth)
      .collection('posts')
      .getList(1, 10)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'not_authenticated', message: expect.stringContaining('dispose()') })
    expect(requests()).toBe(0)
  })

  it('discards a refresh that was in flight: no tokenRefreshed, the session stays as it was', async () => {
    const pb = createFakePocketBase()
    let release: () => void = () => undefined
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch, autoRefresh: false })
    clients.push(auth)
    const first = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    pb.on(
      'POST /api/collections/users/auth-refresh',
      () => new Promise((resolve) => (release = () => resolve(pb.authReply()))),
    )
    const refreshing = auth.authRefresh().catch((e: unknown) => e)
    await new Promise((resolve) => setImmediate(resolve))
    auth.dispose()
    release()
    expect(await refreshing).toMatchObject({ code: 'aborted' })
    expect(auth.session).toBe(first)
  })

  it('is available as [Symbol.asyncDispose] for `await using`', async () => {
    const pb = createFakePocketBase()
    let escaped: AuthClient | undefined
    {
      await using auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch })
      escaped = auth
      await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    }
    await expect(escaped.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
  })
})
