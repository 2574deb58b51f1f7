/**
 * Which `fetch` a db call uses: the client's own when it has one, else a per-call `fetch`, else the global one
 * (answered here by msw).
 */
import { http } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { createDbInterface, type AuthClient } from '../../src/index.js'
import { makeAuthResponse } from '../helpers/factories.js'
import { useClients } from '../helpers/clients.js'
import { PB_URL, pbJson, pbUrl, useMswServer } from '../helpers/msw.js'

const { server, requests } = useMswServer()

const record = { id: 'p1', collectionId: 'pbc_posts', collectionName: 'posts', title: 'post 1' }
const RECORD_PATH = '/api/collections/posts/records/p1'

const client = useClients(() => PB_URL)

async function signedIn(fetch?: typeof globalThis.fetch): Promise<AuthClient> {
  server.use(http.post(pbUrl('auth-with-password'), () => pbJson(makeAuthResponse())))
  server.use(http.get(`${PB_URL}${RECORD_PATH}`, () => pbJson(record)))
  const auth = client(fetch === undefined ? {} : { fetch })
  await auth.authWithPassword('alice@example.com', 'pw')
  return auth
}

/** A `fetch` that answers the record itself and records what it was sent. */
function recordingFetch(): {
  fetch: typeof globalThis.fetch
  calls: { url: string; authorization: string }[]
} {
  const calls: { url: string; authorization: string }[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers)
    calls.push({ url: String(input), authorization: headers.get('Authorization') ?? '' })
    return Response.json(record)
  })
  return { fetch, calls }
}

describe('db adapter: which fetch a call uses', () => {
  it('uses the global fetch when neither the client nor the call has one', async () => {
    const auth = await signedIn()
    const found = await createDbInterface(auth).collection('posts').getOne('p1')
    expect(found).toMatchObject({ id: 'p1' })
    const sent = requests.find((r) => r.url.pathname === RECORD_PATH)
    expect(sent?.headers.get('Authorization')).toBe(auth.session?.token)
  })

  it("uses a per-call fetch when the client has none, with the client's token", async () => {
    const auth = await signedIn()
    const perCall = recordingFetch()
    await createDbInterface(auth).collection('posts').getOne('p1', { fetch: perCall.fetch })
    expect(perCall.calls).toEqual([{ url: `${PB_URL}${RECORD_PATH}`, authorization: auth.session?.token }])
    expect(requests.some((r) => r.url.pathname === RECORD_PATH)).toBe(false)
  })

  it("prefers the client's fetch to a per-call one", async () => {
    const own = recordingFetch()
    const auth = await signedIn(async (input, init) =>
      String(input).includes('auth-with-password') ? pbJson(makeAuthResponse()) : own.fetch(input, init),
    )
    const perCall = recordingFetch()
    await createDbInterface(auth).collection('posts').getOne('p1', { fetch: perCall.fetch })
    expect(own.calls).toHaveLength(1)
    expect(perCall.calls).toHaveLength(0)
  })
})
