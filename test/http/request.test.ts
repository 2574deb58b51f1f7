import { inspect } from 'node:util'
import { delay, http, HttpResponse } from 'msw'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AbortedError,
  createAuthClient,
  NetworkError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  UnexpectedResponseError,
  type AuthClient,
  type AuthClientOptions,
} from '../../src/index.js'
import { GATE_HEADER, MAX_RESPONSE_BYTES } from '../../src/http/request.js'
import { makeAuthResponse, makeJwt, PB_BODIES } from '../helpers/factories.js'
import { PB_URL, pbJson, pbUrl, useMswServer } from '../helpers/msw.js'
import { rejectionOf } from '../helpers/rejection.js'

const { server, requests } = useMswServer()
const PASSWORD_URL = pbUrl('auth-with-password')

let clients: AuthClient[] = []
afterEach(() => {
  for (const client of clients) client.dispose()
  clients = []
  vi.unstubAllGlobals()
})

function client(options: Partial<AuthClientOptions> = {}): AuthClient {
  const auth = createAuthClient({ url: PB_URL, autoRefresh: false, ...options })
  clients.push(auth)
  return auth
}

const signIn = (auth: AuthClient, signal?: AbortSignal): Promise<unknown> =>
  auth.authWithPassword('alice@example.com', 'pw-secret-1', signal === undefined ? {} : { signal })

/** A body that sends `head` and then never finishes. */
function stallingBody(head: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(head))
    },
  })
}

/** Everything a user could print about an error, including its cause chain. */
function everythingPrintable(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const e = current as Error
    parts.push(String(e), e.message, e.stack ?? '', JSON.stringify(e) ?? '', inspect(e, { depth: 10 }))
    current = e.cause
  }
  return parts.join('\n')
}

describe('transport failures', () => {
  it('connection refused → network, with the cause kept', async () => {
    server.use(http.post(PASSWORD_URL, () => HttpResponse.error()))
    const error = await rejectionOf(signIn(client()))
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).message).toContain(
      'POST http://pb.test/api/collections/users/auth-with-password',
    )
    expect((error as NetworkError).cause).toBeInstanceOf(Error)
    expect((error as NetworkError).status).toBeUndefined()
  })

  it('a response slower than timeoutMs → timeout', async () => {
    server.use(
      http.post(PASSWORD_URL, async () => {
        await delay(500)
        return pbJson(makeAuthResponse())
      }),
    )
    const error = await rejectionOf(signIn(client({ timeoutMs: 50 })))
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toContain('50 ms')
  })

  it('a body that stalls mid-way → timeout (the timeout covers the body)', async () => {
    server.use(
      http.post(PASSWORD_URL, () => new HttpResponse(stallingBody('{"record":{"id":'), { status: 200 })),
    )
    const error = await rejectionOf(signIn(client({ timeoutMs: 50 })))
    expect(error).toBeInstanceOf(TimeoutError)
  })

  it('a body that breaks off mid-way → network', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"record":'))
        controller.error(new Error('connection reset'))
      },
    })
    server.use(http.post(PASSWORD_URL, () => new HttpResponse(body, { status: 200 })))
    expect(await rejectionOf(signIn(client()))).toBeInstanceOf(NetworkError)
  })

  it('an already aborted signal → aborted, and no request is sent', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(makeAuthResponse())))
    const error = await rejectionOf(signIn(client(), AbortSignal.abort()))
    expect(error).toBeInstanceOf(AbortedError)
    expect(requests).toHaveLength(0)
  })

  it('aborting mid-flight → aborted (not timeout, not network)', async () => {
    server.use(
      http.post(PASSWORD_URL, async () => {
        await delay('infinite')
        return pbJson(makeAuthResponse())
      }),
    )
    const controller = new AbortController()
    const pending = rejectionOf(signIn(client(), controller.signal))
    await vi.waitFor(() => expect(requests).toHaveLength(1))
    controller.abort()
    expect(await pending).toBeInstanceOf(AbortedError)
  })

  it('aborting while the body stalls → aborted', async () => {
    server.use(http.post(PASSWORD_URL, () => new HttpResponse(stallingBody('{"token":"'), { status: 200 })))
    const controller = new AbortController()
    const pending = rejectionOf(signIn(client(), controller.signal))
    await vi.waitFor(() => expect(requests).toHaveLength(1))
    await delay(20)
    controller.abort()
    expect(await pending).toBeInstanceOf(AbortedError)
  })
})

describe('server failures', () => {
  it.each([
    [500, pbJson({ data: {}, message: 'Something went wrong.', status: 500 }, 500)],
    [
      502,
      new HttpResponse('<html><body>502 Bad Gateway</body></html>', {
        status: 502,
        headers: { 'Content-Type': 'text/html' },
      }),
    ],
    [503, new HttpResponse('Service Unavailable', { status: 503 })],
    [504, new HttpResponse(null, { status: 504 })],
  ])('%i → server_error with the status', async (status, response) => {
    server.use(http.post(PASSWORD_URL, () => response))
    const error = await rejectionOf(signIn(client()))
    expect(error).toBeInstanceOf(ServerError)
    expect((error as ServerError).status).toBe(status)
  })

  it('429 with Retry-After → rate_limited with retryAfterMs', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(PB_BODIES.tooManyRequests, 429, { 'Retry-After': '2' })))
    const error = await rejectionOf(signIn(client()))
    expect(error).toBeInstanceOf(RateLimitedError)
    expect((error as RateLimitedError).retryAfterMs).toBe(2000)
    expect((error as RateLimitedError).status).toBe(429)
  })

  it('429 without Retry-After (what PocketBase sends) → rate_limited without retryAfterMs', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(PB_BODIES.tooManyRequests, 429)))
    const error = await rejectionOf(signIn(client()))
    expect(error).toBeInstanceOf(RateLimitedError)
    expect((error as RateLimitedError).retryAfterMs).toBeUndefined()
  })

  it('a 400 HTML page from a proxy → unexpected_response', async () => {
    server.use(http.post(PASSWORD_URL, () => new HttpResponse('<html>Bad Request</html>', { status: 400 })))
    expect(await rejectionOf(signIn(client()))).toBeInstanceOf(UnexpectedResponseError)
  })

  it.each([
    [403, 'forbidden'],
    [404, 'not_found'],
    [429, 'rate_limited'],
    [401, 'unexpected_response'],
  ])(
    'a %i HTML page from a proxy → %s (the status decides where it is unambiguous)',
    async (status, code) => {
      server.use(http.post(PASSWORD_URL, () => new HttpResponse('<html>proxy</html>', { status })))
      expect(await rejectionOf(signIn(client()))).toMatchObject({ code, status })
    },
  )
})

describe('unreadable 200 responses', () => {
  const { token } = makeAuthResponse()
  const [header, payload] = token.split('.') as [string, string, string]

  it.each([
    [
      'truncated mid-token',
      `{"record":{"id":"record1234567ab"},"token":"${token.slice(0, token.length - 20)}`,
    ],
    ['truncated after the header segment', `{"token":"${header}.${payload.slice(0, 30)}`],
    ['malformed around a whole token', `{"token":"${token}",,}`],
  ])('%s → unexpected_response that shows no part of the token', async (_label, text) => {
    server.use(
      http.post(
        PASSWORD_URL,
        () => new HttpResponse(text, { status: 200, headers: { 'Content-Type': 'application/json' } }),
      ),
    )
    const auth = client()
    const error = await rejectionOf(signIn(auth))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as UnexpectedResponseError).message).toContain('not valid JSON')
    const printable = everythingPrintable(error)
    for (const fragment of [header.slice(0, 12), payload.slice(0, 12), payload.slice(12, 24)]) {
      expect(printable).not.toContain(fragment)
    }
    expect((error as UnexpectedResponseError).exchange?.body).toBeUndefined()
    expect(auth.session).toBeNull()
  })

  it.each([
    ['an empty object', {}],
    ['a token without a record', { token: makeJwt() }],
    ['a record without a token', { record: makeAuthResponse().record }],
    ['a numeric token', { token: 42, record: makeAuthResponse().record }],
    [
      'a record without collectionName',
      { token: makeJwt(), record: { id: 'record1234567ab', collectionId: 'c' } },
    ],
    ['an array', [makeAuthResponse()]],
    ['a string', 'ok'],
    ['null', null],
  ])('200 with %s → unexpected_response, no session, no signedIn', async (_label, body) => {
    server.use(http.post(PASSWORD_URL, () => pbJson(body)))
    const auth = client()
    const signedIn = vi.fn()
    auth.on('signedIn', signedIn)
    expect(await rejectionOf(signIn(auth))).toBeInstanceOf(UnexpectedResponseError)
    expect(auth.session).toBeNull()
    expect(signedIn).not.toHaveBeenCalled()
  })

  it('200 with an empty body → unexpected_response', async () => {
    server.use(http.post(PASSWORD_URL, () => new HttpResponse(null, { status: 200 })))
    expect(await rejectionOf(signIn(client()))).toBeInstanceOf(UnexpectedResponseError)
  })

  it.each([
    ['not a JWT', 'opaque-session-token-value'],
    ['a file token', makeJwt({ type: 'file' })],
    ['the token of another record', makeJwt({ id: 'someoneelse0001' })],
    ['the token of another collection', makeJwt({ collectionId: 'pbc_3142635823' })],
  ])('200 whose token is %s → unexpected_response without quoting it', async (_label, token) => {
    server.use(http.post(PASSWORD_URL, () => pbJson({ ...makeAuthResponse(), token })))
    const auth = client()
    const error = await rejectionOf(signIn(auth))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect(everythingPrintable(error)).not.toContain(token)
    expect(auth.session).toBeNull()
  })
})

describe('what is sent', () => {
  it('sends JSON with Accept, and the raw token (no Bearer) as Authorization on auth-refresh', async () => {
    const first = makeAuthResponse()
    const bodies: unknown[] = []
    server.use(
      http.post(PASSWORD_URL, async ({ request }) => {
        bodies.push(await request.json())
        return pbJson(first)
      }),
      http.post(pbUrl('auth-refresh'), () =>
        pbJson(makeAuthResponse({ claims: { exp: Math.floor(Date.now() / 1000) + 7200 } })),
      ),
    )
    const auth = client()
    await signIn(auth)
    await auth.authRefresh()
    const [login, refresh] = requests
    expect(login!.headers.get('content-type')).toBe('application/json')
    expect(login!.headers.get('accept')).toBe('application/json')
    expect(login!.headers.get('authorization')).toBeNull()
    expect(bodies).toEqual([{ identity: 'alice@example.com', password: 'pw-secret-1' }])
    expect(refresh!.method).toBe('POST')
    expect(refresh!.url.pathname).toBe('/api/collections/users/auth-refresh')
    expect(refresh!.headers.get('authorization')).toBe(first.token)
  })

  it('sends the configured User-Agent', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(makeAuthResponse())))
    await signIn(client({ userAgent: 'my-script/1.2' }))
    expect(requests[0]!.headers.get('user-agent')).toBe('my-script/1.2')
  })

  it('sends gateSecret on sign-ins and auth-refresh only, never on other requests', async () => {
    const gateSecret = 'gate-secret-0123456789abcdefghijklmnop'
    const superuser = { collectionName: '_superusers', collectionId: 'pbc_3142635823' }
    const child = makeAuthResponse({ claims: { refreshable: false } })
    server.use(
      http.post(pbUrl('auth-with-password', '_superusers'), () =>
        pbJson(makeAuthResponse({ record: superuser })),
      ),
      http.post(pbUrl('auth-refresh', '_superusers'), () => pbJson(makeAuthResponse({ record: superuser }))),
      http.post(pbUrl('request-otp', '_superusers'), () => pbJson({ otpId: 'otp-1' })),
      http.post(pbUrl('impersonate/rec1'), () => pbJson(child)),
    )
    const auth = client({ gateSecret, collection: '_superusers' })
    await auth.authWithPassword('admin@example.com', 'pw-secret-1')
    await auth.authRefresh()
    await auth.requestOTP('admin@example.com')
    ;(await auth.impersonate('rec1')).dispose()
    expect(
      requests.map((request) => [request.url.pathname.split('/').pop(), request.headers.get(GATE_HEADER)]),
    ).toEqual([
      ['auth-with-password', gateSecret],
      ['auth-refresh', gateSecret],
      ['request-otp', null],
      ['rec1', null],
    ])
  })

  it('sends no gate header without gateSecret', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(makeAuthResponse())))
    await signIn(client())
    expect(requests[0]!.headers.get(GATE_HEADER)).toBeNull()
  })

  it('adds the fields it needs to a fields filter and passes expand', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson(makeAuthResponse())))
    await client().authWithPassword('alice@example.com', 'pw-secret-1', {
      fields: 'record.email',
      expand: 'team',
    })
    const { searchParams } = requests[0]!.url
    expect(searchParams.get('fields')?.split(',')).toEqual(
      expect.arrayContaining([
        'record.email',
        'token',
        'record.id',
        'record.collectionId',
        'record.collectionName',
      ]),
    )
    expect(searchParams.get('expand')).toBe('team')
  })

  it('encodes the collection name in the path', async () => {
    server.use(
      http.post(`${PB_URL}/api/collections/my%20users/auth-with-password`, () => pbJson(makeAuthResponse())),
    )
    await signIn(client({ collection: 'my users' }))
    expect(requests[0]!.url.pathname).toBe('/api/collections/my%20users/auth-with-password')
  })

  it('looks up globalThis.fetch on every request', async () => {
    const auth = client()
    const stubbed = vi.fn(async () => pbJson(makeAuthResponse()))
    vi.stubGlobal('fetch', stubbed)
    await signIn(auth)
    expect(stubbed).toHaveBeenCalledTimes(1)
    expect(requests).toHaveLength(0)
  })

  it('uses the fetch option when given, with the full URL and a signal', async () => {
    const custom = vi.fn<typeof fetch>(async () => pbJson(makeAuthResponse()))
    await signIn(client({ fetch: custom }))
    expect(custom).toHaveBeenCalledTimes(1)
    const [input, init] = custom.mock.calls[0]!
    expect(String(input)).toBe(PASSWORD_URL)
    expect(init?.method).toBe('POST')
    expect(init?.signal).toBeInstanceOf(AbortSignal)
    expect(requests).toHaveLength(0)
  })

  it('a 204 with an empty body resolves an account call', async () => {
    server.use(http.post(pbUrl('request-password-reset'), () => new HttpResponse(null, { status: 204 })))
    await expect(client().requestPasswordReset('alice@example.com')).resolves.toBeUndefined()
  })
})

// Bodies of 16 MiB take a moment on a busy machine: the limit is generous, never a measure of speed.
describe('redirects, size limit and what messages name', { timeout: 60_000 }, () => {
  /** A body that counts how often it is read from; nothing is queued until a read asks for it. */
  function countingBody(text: string): { body: ReadableStream<Uint8Array>; pulls: () => number } {
    let pulls = 0
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++
          controller.enqueue(new TextEncoder().encode(text))
          controller.close()
        },
      },
      { highWaterMark: 0 },
    )
    return { body, pulls: () => pulls }
  }

  it('asks fetch not to follow redirects', async () => {
    const seen: RequestInit[] = []
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init ?? {})
      return pbJson(makeAuthResponse())
    }) as typeof globalThis.fetch
    await signIn(client({ fetch }))
    expect(seen.map((init) => init.redirect)).toEqual(['manual'])
  })

  it.each([301, 302, 303, 307, 308])(
    'a %i (what fetch returns with redirect: manual) → unexpected_response; its body is never read',
    async (status) => {
      const { body, pulls } = countingBody(JSON.stringify(makeAuthResponse()))
      const fetch = (async () =>
        new Response(body, {
          status,
          headers: { Location: 'https://attacker.test/steal?password=x' },
        })) as typeof globalThis.fetch
      const error = await rejectionOf(signIn(client({ fetch })))
      expect(error).toBeInstanceOf(UnexpectedResponseError)
      const { message } = error as UnexpectedResponseError
      expect(message).toContain(`POST ${PASSWORD_URL}: the server answered with a redirect ${status}`)
      expect(message).toContain('to https://attacker.test;')
      expect(message).not.toContain('steal')
      expect((error as UnexpectedResponseError).status).toBe(status)
      expect(pulls()).toBe(0)
    },
  )

  it("a browser's opaqueredirect (status 0) → unexpected_response without a status", async () => {
    const fetch = (async () => {
      const response = new Response(null, { status: 200 })
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' })
      Object.defineProperty(response, 'status', { value: 0 })
      return response
    }) as typeof globalThis.fetch
    const error = await rejectionOf(signIn(client({ fetch })))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as UnexpectedResponseError).status).toBeUndefined()
    expect((error as Error).message).toContain('redirect')
  })

  it('a Content-Length over the limit → unexpected_response before any byte is read', async () => {
    const { body, pulls } = countingBody('{}')
    const fetch = (async () =>
      new Response(body, {
        status: 200,
        headers: { 'Content-Length': String(MAX_RESPONSE_BYTES + 1) },
      })) as typeof globalThis.fetch
    const error = await rejectionOf(signIn(client({ fetch })))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain(`Content-Length ${MAX_RESPONSE_BYTES + 1} bytes`)
    expect(pulls()).toBe(0)
  })

  it('a streamed body stops being read once it passes the limit, and the stream is cancelled', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x61)
    let sent = 0
    let cancelled = false
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          sent += chunk.byteLength
          controller.enqueue(chunk)
        },
        cancel() {
          cancelled = true
        },
      },
      { highWaterMark: 0 },
    )
    const fetch = (async () => new Response(body, { status: 200 })) as typeof globalThis.fetch
    const error = await rejectionOf(signIn(client({ fetch })))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain('larger than')
    expect(cancelled).toBe(true)
    expect(sent).toBe(MAX_RESPONSE_BYTES + chunk.byteLength)
  })

  it('a body of exactly the limit is read', async () => {
    const base = JSON.stringify(makeAuthResponse())
    const padded = base.slice(0, -1) + ',"pad":"' + 'x'.repeat(MAX_RESPONSE_BYTES - base.length - 9) + '"}'
    expect(new TextEncoder().encode(padded).byteLength).toBe(MAX_RESPONSE_BYTES)
    const fetch = (async () => new Response(padded, { status: 200 })) as typeof globalThis.fetch
    await expect(signIn(client({ fetch }))).resolves.toBeDefined()
  })

  it('a network error names the method and full URL, never the query string', async () => {
    server.use(http.post(PASSWORD_URL, () => HttpResponse.error()))
    const error = await rejectionOf(
      client().authWithPassword('alice@example.com', 'pw-secret-1', { expand: 'marker-query' }),
    )
    expect((error as Error).message).toContain(`POST ${PASSWORD_URL}: network error`)
    expect(everythingPrintable(error)).not.toContain('marker-query')
  })

  it('the exchange of an error response keeps the body; the exchange of a bad 200 has none', async () => {
    server.use(http.post(PASSWORD_URL, () => pbJson({ data: {}, message: 'Nope.', status: 400 }, 400)))
    const refused = await rejectionOf(signIn(client()))
    expect((refused as UnexpectedResponseError).exchange).toEqual({
      method: 'POST',
      path: '/api/collections/users/auth-with-password',
      url: PASSWORD_URL,
      status: 400,
      body: { data: {}, message: 'Nope.', status: 400 },
    })
    server.use(http.post(PASSWORD_URL, () => pbJson({ token: makeJwt({ type: 'file' }), record: {} })))
    const unreadable = await rejectionOf(signIn(client()))
    expect((unreadable as UnexpectedResponseError).exchange).toEqual({
      method: 'POST',
      path: '/api/collections/users/auth-with-password',
      url: PASSWORD_URL,
      status: 200,
    })
  })
})
