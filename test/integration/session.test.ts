import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { NotAuthenticatedError, TokenExpiredError, createAuthClient } from '../../src/index.js'
import type { AuthClient, AuthEventName, AuthEvents } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('session tests')

type Recorded = { [K in AuthEventName]: { name: K; payload: AuthEvents[K] } }[AuthEventName]

/** Records every event of a client, in order. */
function recordEvents(auth: AuthClient): Recorded[] {
  const events: Recorded[] = []
  const names: AuthEventName[] = [
    'signedIn',
    'tokenRefreshed',
    'signedOut',
    'mfaRequired',
    'refreshFailed',
    'expiring',
    'error',
  ]
  for (const name of names) {
    auth.on(name, (payload: AuthEvents[typeof name]) => events.push({ name, payload } as Recorded))
  }
  return events
}

describe.skipIf(bin === undefined)('session lifecycle against a real PocketBase', () => {
  let pb: PocketBaseHandle
  const clients: AuthClient[] = []

  function client(): AuthClient {
    const auth = createAuthClient({ url: pb.url, autoRefresh: false })
    clients.push(auth)
    return auth
  }

  beforeAll(async () => {
    pb = await startPocketBase()
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
  })

  afterAll(async () => {
    await pb?.stop()
  })

  it('emits signedIn, tokenRefreshed and signedOut({ reason: logout }) with their payloads, in order', async () => {
    const user = await createUser(pb, 'users')
    const auth = client()
    const events = recordEvents(auth)

    const signedIn = await auth.authWithPassword(user.email, user.password)
    const refreshed = await auth.authRefresh()
    auth.logout()

    expect(events.map((event) => event.name)).toEqual(['signedIn', 'tokenRefreshed', 'signedOut'])
    expect(events[0]?.payload).toBe(signedIn)
    expect(events[1]?.payload).toBe(refreshed)
    expect(events[2]?.payload).toEqual({ reason: 'logout' })
    expect(auth.session).toBeNull()
    expect(auth.isAuthenticated).toBe(false)

    // A second logout has nothing to end and stays silent.
    auth.logout()
    expect(events).toHaveLength(3)
  })

  it('authRefresh returns a new token with a later expiry for the same record', async () => {
    const user = await createUser(pb, 'users')
    const auth = client()
    const events = recordEvents(auth)
    const first = await auth.authWithPassword(user.email, user.password)
    // PocketBase tokens have second resolution: within the same second a refresh returns the same bytes.
    await sleep(1100)

    const second = await auth.authRefresh()
    expect(second.token).not.toBe(first.token)
    expect(second.expiresAt).toBeGreaterThan(first.expiresAt)
    expect(second).toMatchObject({ recordId: user.id, collectionName: 'users', refreshable: true })
    expect(auth.session).toBe(second)
    expect(events.map((event) => event.name)).toEqual(['signedIn', 'tokenRefreshed'])
    expect(events[1]?.payload).toBe(second)
  })

  it('ends the session as revoked when the password was changed server-side', async () => {
    const user = await createUser(pb, 'users')
    const auth = client()
    await auth.authWithPassword(user.email, user.password)
    const events = recordEvents(auth)

    const newPassword = `${user.password}-changed`
    await pb.api('PATCH', `/api/collections/users/records/${user.id}`, {
      password: newPassword,
      passwordConfirm: newPassword,
    })

    const error = await auth.authRefresh().then(
      () => undefined,
      (rejection: unknown) => rejection,
    )
    expect(error).toBeInstanceOf(TokenExpiredError)
    expect(error).toMatchObject({ code: 'token_expired', status: 401 })
    expect(events).toEqual([{ name: 'signedOut', payload: { reason: 'revoked' } }])
    expect(auth.session).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    await expect(auth.getToken()).rejects.toBeInstanceOf(NotAuthenticatedError)
  })

  it('authRefresh without a session throws NotAuthenticatedError', async () => {
    await expect(client().authRefresh()).rejects.toMatchObject({ code: 'not_authenticated' })
  })

  it('keeps a listener that throws from breaking the sign-in', async () => {
    const user = await createUser(pb, 'users')
    const auth = client()
    const errors: Error[] = []
    auth.on('error', (error) => errors.push(error))
    auth.on('signedIn', () => {
      throw new Error('listener bug')
    })
    const session = await auth.authWithPassword(user.email, user.password)
    expect(auth.session).toBe(session)
    expect(errors.map((error) => error.message)).toEqual(['listener bug'])
  })
})
