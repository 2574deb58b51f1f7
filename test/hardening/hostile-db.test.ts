/**
 * The db-interface against a real hostile HTTP server (test/fixtures/hostile-server.ts): the `pocketbase` SDK
 * underneath would follow redirects and buffer any body; the adapter's guarded fetch refuses both, with typed
 * errors that name the method and URL and never carry the token.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { createAuthClient, createDbInterface, isAuthError, type AuthClient } from '../../src/index.js'
import { MAX_RESPONSE_BYTES } from '../../src/http/request.js'
import { hostile, startHostileServer, type HostileServer } from '../fixtures/hostile-server.js'
import { rejectionOf } from '../helpers/rejection.js'

const TIMEOUT_MS = 20_000
const TEST_LIMIT = { timeout: 3 * TIMEOUT_MS }
const SIGN_IN = 'POST /api/collections/users/auth-with-password'
const RECORDS = 'GET /api/collections/posts/records'

const servers: HostileServer[] = []
const clients: AuthClient[] = []
afterEach(async () => {
  for (const auth of clients.splice(0)) auth.dispose()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function signedInAgainst(routes: Parameters<typeof startHostileServer>[0]) {
  const server = await startHostileServer({
    [SIGN_IN]: hostile.authAnswer({ lifetimeSeconds: 3600 }),
    ...routes,
  })
  servers.push(server)
  const auth = createAuthClient({ url: server.url, autoRefresh: false, timeoutMs: TIMEOUT_MS })
  clients.push(auth)
  await auth.authWithPassword('alice@example.com', 'pw-secret-1')
  return { server, auth, posts: createDbInterface(auth).collection('posts') }
}

describe('the db-interface against a hostile server', TEST_LIMIT, () => {
  it.each([301, 302, 303, 307, 308] as const)(
    'a %i redirect is unexpected_response and the token never reaches the other origin',
    async (status) => {
      const elsewhere = await startHostileServer({})
      servers.push(elsewhere)
      const { server, auth, posts } = await signedInAgainst({
        [RECORDS]: hostile.redirect(`${elsewhere.url}/steal`, status),
      })
      const error = await rejectionOf(posts.getList(1, 10, { filter: 'secret = 1' }))
      expect(error).toMatchObject({ code: 'unexpected_response', status })
      expect((error as Error).message).toContain(`GET ${server.url}/api/collections/posts/records`)
      expect((error as Error).message).toContain(`redirect ${status} to ${elsewhere.url}`)
      expect((error as Error).message).not.toContain('secret')
      expect(elsewhere.requests).toEqual([])
      expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain(auth.session!.token)
    },
  )

  it('a body whose Content-Length is over the limit is refused before it is read', async () => {
    const { server, posts } = await signedInAgainst({
      [RECORDS]: hostile.hugeBody({ totalBytes: 400 * 1024 * 1024, declareLength: true }),
    })
    const error = await rejectionOf(posts.getList())
    expect(error).toMatchObject({ code: 'unexpected_response' })
    expect((error as Error).message).toMatch(/Content-Length 419430400 bytes\) is larger than/)
    await server.streams[0]!.settled
    expect(server.streams[0]!.bytesSent).toBeLessThan(400 * 1024 * 1024)
  })

  it('a chunked body past the limit is cut off while it streams: unexpected_response, not a buffered 400 MiB', async () => {
    const { server, posts } = await signedInAgainst({
      [RECORDS]: hostile.hugeBody({
        totalBytes: 400 * 1024 * 1024,
        declareLength: false,
        prefix: '{"items":["',
      }),
    })
    const error = await rejectionOf(posts.getList())
    expect(isAuthError(error)).toBe(true)
    expect(error).toMatchObject({ code: 'unexpected_response' })
    expect((error as Error).message).toContain(`GET ${server.url}/api/collections/posts/records`)
    await server.streams[0]!.settled
    // Cut off soon after the limit (socket buffers hold a little more), far from the whole body.
    expect(server.streams[0]!.bytesSent).toBeLessThan(MAX_RESPONSE_BYTES * 2)
  })

  it('a chunked body under the limit is read as usual', async () => {
    const { posts } = await signedInAgainst({})
    const server = servers[0]!
    server.on(RECORDS, hostile.json(200, { page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] }))
    await expect(posts.getList()).resolves.toMatchObject({ items: [] })
  })

  it('a refused connection names the host and port of the request', async () => {
    const { server, posts } = await signedInAgainst({})
    await server.close()
    servers.length = 0
    const error = await rejectionOf(posts.getOne('p1'))
    expect(error).toMatchObject({ code: 'network' })
    expect((error as Error).message).toContain(new URL(server.url).host)
  })
})
