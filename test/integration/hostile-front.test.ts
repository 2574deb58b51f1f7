/**
 * A real PocketBase 0.40.4 behind what a misconfigured or hostile front can do: a redirect in front of it (a
 * proxy sending http to https, or an attacker's host) must never carry a sign-in on to it, and the messages of
 * real failures name the method and URL, with a hint when the base URL ends with `/api`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createUser, startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  createAuthClient,
  createDbInterface,
  NotFoundError,
  UnexpectedResponseError,
  type AuthClient,
} from '../../src/index.js'
import { hostile, startHostileServer, type HostileServer } from '../fixtures/hostile-server.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'

const bin = pocketBaseBinaryForTests('hostile-front tests')
const SIGN_IN = 'POST /api/collections/users/auth-with-password'

describe.skipIf(bin === undefined)('a real PocketBase behind a hostile front', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const servers: HostileServer[] = []
  const clients: AuthClient[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
  })

  afterEach(async () => {
    for (const auth of clients.splice(0)) auth.dispose()
    await Promise.all(servers.splice(0).map((server) => server.close()))
    proxy.reset()
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  function client(url: string): AuthClient {
    const auth = createAuthClient({ url, autoRefresh: false, timeoutMs: 10_000 })
    clients.push(auth)
    return auth
  }

  it.each([307, 308] as const)(
    'a %i in front of PocketBase: unexpected_response, and PocketBase never receives the password',
    async (status) => {
      const user = await createUser(pb, 'users', { verified: true })
      const front = await startHostileServer({
        [SIGN_IN]: hostile.redirect(`${proxy.url}/api/collections/users/auth-with-password`, status),
      })
      servers.push(front)
      const error = await rejectionOf(client(front.url).authWithPassword(user.email, user.password))
      expect(error).toBeInstanceOf(UnexpectedResponseError)
      expect((error as Error).message).toContain(`POST ${front.url}/api/collections/users/auth-with-password`)
      expect((error as Error).message).toContain(`redirect ${status} to ${proxy.url}`)
      expect(proxy.count(SIGN_IN)).toBe(0)
      // The same credentials work straight against PocketBase: the refusal was the redirect's, not theirs.
      await expect(client(proxy.url).authWithPassword(user.email, user.password)).resolves.toBeDefined()
      expect(proxy.count(SIGN_IN)).toBe(1)
    },
  )

  it('a base URL ending with /api: the 404 names /api/api/… and says the base URL must not end with /api', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const error = await rejectionOf(client(`${pb.url}/api`).authWithPassword(user.email, user.password))
    expect(error).toBeInstanceOf(NotFoundError)
    const { message } = error as Error
    expect(message).toContain(`POST ${pb.url}/api/api/collections/users/auth-with-password (404)`)
    expect(message).toContain('must not end with /api')
  })

  it('the db-interface names the URL of a 404, without the query string', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client(pb.url)
    await auth.authWithPassword(user.email, user.password)
    const error = await rejectionOf(
      createDbInterface(auth).collection('nosuchcollection').getList(1, 5, { filter: 'marker = "q-31337"' }),
    )
    expect(error).toBeInstanceOf(NotFoundError)
    const { message } = error as Error
    expect(message).toContain(`GET ${pb.url}/api/collections/nosuchcollection/records (404)`)
    expect(message).not.toContain('q-31337')
    expect(message).not.toContain('?')
  })
})
