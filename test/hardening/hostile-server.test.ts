/**
 * The public client against a real hostile HTTP server (test/fixtures/hostile-server.ts): every answer
 * PocketBase would never give ends in a typed `AuthError` within the client's `timeoutMs`, sends no secret on to
 * another origin, and leaks nothing into what an error prints.
 */
import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createAuthClient,
  ForbiddenError,
  isAuthError,
  NetworkError,
  NotFoundError,
  UnexpectedResponseError,
  ValidationError,
  type AuthClient,
  type AuthClientOptions,
} from '../../src/index.js'
import { MAX_RESPONSE_BYTES } from '../../src/http/request.js'
import { hostile, startHostileServer, type HostileServer } from '../fixtures/hostile-server.js'
import { hasControlCharacters } from '../helpers/control-characters.js'
import { makeJwt } from '../helpers/factories.js'
import { rejectionOf } from '../helpers/rejection.js'
import { hasDocumentedCode } from './error-codes.js'

const PASSWORD = 'pw-hostile-secret-1'
const OTP_CODE = '73910462'
const OAUTH2_CODE = 'oauth2-code-secret-77'
const VERIFIER = 'pkce-verifier-secret-0123456789abcdefghijklmnopq'
const SECRETS = [PASSWORD, OTP_CODE, OAUTH2_CODE, VERIFIER]
const TIMEOUT_MS = 20_000
/**
 * Each test's own limit: well above the client's `timeoutMs`, so a slow, shared machine never fails a test that
 * the client bounds by itself (a stall shows as a TimeoutError, which the assertions reject).
 */
const TEST_LIMIT = { timeout: 3 * TIMEOUT_MS }
const users = (action: string): string => `/api/collections/users/${action}`

const servers: HostileServer[] = []
const clients: AuthClient[] = []
afterEach(async () => {
  for (const auth of clients.splice(0)) auth.dispose()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function server(routes: Parameters<typeof startHostileServer>[0] = {}): Promise<HostileServer> {
  const started = await startHostileServer(routes)
  servers.push(started)
  return started
}

function client(url: string, options: Partial<AuthClientOptions> = {}): AuthClient {
  const auth = createAuthClient({ url, autoRefresh: false, timeoutMs: TIMEOUT_MS, ...options })
  clients.push(auth)
  return auth
}

/** Everything a user could print about an error, its cause chain included, hidden properties too. */
function everythingPrintable(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 10; depth++) {
    const e = current as Error
    parts.push(
      String(e),
      e.message,
      e.stack ?? '',
      JSON.stringify(e) ?? '',
      inspect(e, { depth: 10 }),
      inspect(e, { depth: 10, showHidden: true }),
    )
    current = e.cause
  }
  return parts.join('\n')
}

/** A typed, documented `AuthError` (never a plain `RangeError`/`TypeError`) that prints safely. */
function expectTypedError(error: unknown): void {
  expect(isAuthError(error)).toBe(true)
  expect(hasDocumentedCode(error)).toBe(true)
  expect(() => everythingPrintable(error)).not.toThrow()
}

/** The sign-in flows that send a secret in their body, with the path each one posts to. */
const SECRET_FLOWS = [
  {
    name: 'password',
    path: users('auth-with-password'),
    call: (auth: AuthClient) => auth.authWithPassword('alice@example.com', PASSWORD),
  },
  {
    name: 'OTP code',
    path: users('auth-with-otp'),
    call: (auth: AuthClient) => auth.authWithOTP('otp123456789012', OTP_CODE),
  },
  {
    name: 'OAuth2 code and PKCE verifier',
    path: users('auth-with-oauth2'),
    call: (auth: AuthClient) =>
      auth.authWithOAuth2Code('oidc', OAUTH2_CODE, VERIFIER, 'http://127.0.0.1:9/cb'),
  },
] as const

describe('redirects are never followed', TEST_LIMIT, () => {
  const cases = SECRET_FLOWS.flatMap((flow) =>
    ([301, 302, 303, 307, 308] as const).map((status) => ({ ...flow, status })),
  )

  it.each(cases)(
    '$name: a $status to another origin is unexpected_response, and the other origin receives nothing',
    async ({ path, call, status }) => {
      const target = await server()
      const origin = await server({ [`POST ${path}`]: hostile.redirect(`${target.url}${path}`, status) })
      const error = await rejectionOf(call(client(origin.url)))

      expectTypedError(error)
      expect(error).toBeInstanceOf(UnexpectedResponseError)
      expect((error as UnexpectedResponseError).status).toBe(status)
      expect((error as Error).message).toContain(`POST ${origin.url}${path}`)
      expect((error as Error).message).toContain('redirect')
      expect(target.requests).toEqual([])
      const printed = everythingPrintable(error)
      for (const secret of SECRETS) expect(printed).not.toContain(secret)
    },
  )

  it('auth-refresh: a 307 does not carry the token to another origin', async () => {
    const target = await server()
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.authAnswer(),
      [`POST ${users('auth-refresh')}`]: hostile.redirect(`${target.url}${users('auth-refresh')}`, 307),
    })
    const auth = client(origin.url)
    const session = await auth.authWithPassword('alice@example.com', PASSWORD)
    const error = await rejectionOf(auth.authRefresh())
    expectTypedError(error)
    expect((error as UnexpectedResponseError).code).toBe('unexpected_response')
    expect(target.requests).toEqual([])
    expect(everythingPrintable(error)).not.toContain(session.token)
  })
})

describe('hostile bodies', TEST_LIMIT, () => {
  it('a 469 KiB 403 message built to make a regular expression backtrack: forbidden, message cut', async () => {
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.message(403, hostile.regexBombMessage(480_000)),
    })
    const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
    expectTypedError(error)
    expect(error).toBeInstanceOf(ForbiddenError)
    expect((error as Error).message.length).toBeLessThan(1_000)
    expect((error as Error).message).toMatch(/…$/)
  })

  it.each([400, 403, 404, 429, 500])(
    'control characters in a %i message are stripped; the text around them stays on one line',
    async (status) => {
      const origin = await server({
        [`POST ${users('auth-with-password')}`]: hostile.message(status, hostile.controlCharacters),
      })
      const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
      expectTypedError(error)
      const { message } = error as Error
      expect(hasControlCharacters(message)).toBe(false)
      expect(message).toContain('line one FAKE LOG LINE level=error red bellnulnel')
      expect(JSON.stringify(error)).not.toMatch(/\\u001b|\\r|\\n/)
    },
  )

  it('control characters in field errors are stripped too', async () => {
    const origin = await server({
      [`POST ${users('request-verification')}`]: hostile.json(400, {
        data: { email: { code: 'validation\u001b[31m_bad', message: hostile.controlCharacters } },
        message: 'Bad.',
        status: 400,
      }),
    })
    const error = await rejectionOf(client(origin.url).requestVerification('alice@example.com'))
    expect(error).toBeInstanceOf(ValidationError)
    const { email } = (error as ValidationError).fieldErrors
    expect(email?.code).toBe('validation_bad')
    expect(hasControlCharacters(email?.message ?? '')).toBe(false)
  })

  it('a 400 whose data nests 100,000 levels deep is a typed error, not a RangeError', async () => {
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.nestedData(100_000),
      [`POST ${users('request-verification')}`]: hostile.nestedData(100_000),
    })
    const auth = client(origin.url)
    const signIn = await rejectionOf(auth.authWithPassword('alice@example.com', PASSWORD))
    expectTypedError(signIn)
    expect((signIn as { code: string }).code).toBe('invalid_credentials')
    const other = await rejectionOf(auth.requestVerification('alice@example.com'))
    expectTypedError(other)
    expect(other).toBeInstanceOf(ValidationError)
  })

  it('a 400 with 100,000 field errors keeps a bounded number of them', async () => {
    const origin = await server({ [`POST ${users('request-verification')}`]: hostile.wideData(100_000) })
    const error = await rejectionOf(client(origin.url).requestVerification('alice@example.com'))
    expect(error).toBeInstanceOf(ValidationError)
    const count = Object.keys((error as ValidationError).fieldErrors).length
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThanOrEqual(200)
  })

  it('a 401 with a megabyte mfaId is unexpected_response naming the field, not an MFA prompt', async () => {
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.json(401, { mfaId: 'm'.repeat(1_000_000) }),
    })
    const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
    expectTypedError(error)
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain('"mfaId"')
    expect((error as Error).message.length).toBeLessThan(1_000)
  })

  it.each([
    { declareLength: true, label: 'with Content-Length' },
    { declareLength: false, label: 'chunked' },
  ])(
    'a 400 MiB body ($label) is refused at the size limit and never read whole',
    async ({ declareLength }) => {
      const totalBytes = 400 * 1024 * 1024
      const origin = await server({
        [`POST ${users('auth-with-password')}`]: hostile.hugeBody({
          totalBytes,
          declareLength,
          prefix: '{"token":"',
        }),
      })
      const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
      expectTypedError(error)
      expect(error).toBeInstanceOf(UnexpectedResponseError)
      expect((error as Error).message).toContain('16 MiB')
      const [stream] = origin.streams
      await stream!.settled
      expect(stream!.finished).toBe(false)
      expect(stream!.clientClosed).toBe(true)
      // Loopback buffers let the server write a little past the limit before it notices; never the whole body.
      expect(stream!.bytesSent).toBeLessThan(4 * MAX_RESPONSE_BYTES)
    },
  )

  it('a body just under the size limit is still read', async () => {
    const pad = 'x'.repeat(MAX_RESPONSE_BYTES - 100_000)
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.authAnswer({ record: { bio: pad } }),
    })
    const session = await client(origin.url).authWithPassword('alice@example.com', PASSWORD)
    expect(session.record.bio).toHaveLength(pad.length)
  })

  it.each([
    ['a file token', makeJwt({ type: 'file' })],
    ['a token of another record', makeJwt({ id: 'someoneelse0001' })],
    ['a token of another collection', makeJwt({ collectionId: 'pbc_3142635823' })],
  ])(
    'a hostile 200 with %s: unexpected_response, and no rendering shows the token',
    async (_label, token) => {
      const origin = await server({
        [`POST ${users('auth-with-password')}`]: hostile.json(200, {
          token,
          record: { id: 'record1234567ab', collectionId: '_pb_users_auth_', collectionName: 'users' },
        }),
      })
      const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
      expectTypedError(error)
      expect(error).toBeInstanceOf(UnexpectedResponseError)
      expect((error as UnexpectedResponseError).exchange?.body).toBeUndefined()
      expect(everythingPrintable(error)).not.toContain(token)
      expect(everythingPrintable(error)).not.toContain(token.split('.')[1])
    },
  )

  it('a 200 whose record has no collectionName names that field, never the token', async () => {
    const token = makeJwt()
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.json(200, {
        token,
        record: { id: 'record1234567ab', collectionId: '_pb_users_auth_' },
      }),
    })
    const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain(
      `POST ${origin.url}${users('auth-with-password')}: "response" body "record.collectionName" property must be a non-empty string`,
    )
    expect((error as UnexpectedResponseError).issues).toEqual([
      { path: 'record.collectionName', message: 'must be a non-empty string' },
    ])
    expect(everythingPrintable(error)).not.toContain(token)
  })
})

describe('messages name the method and the URL', TEST_LIMIT, () => {
  it('a base URL ending with /api: the 404 names /api/api/… and says what to fix', async () => {
    const origin = await server()
    const error = await rejectionOf(
      client(`${origin.url}/api`).authWithPassword('alice@example.com', PASSWORD),
    )
    expect(error).toBeInstanceOf(NotFoundError)
    const { message } = error as Error
    expect(message).toContain(`POST ${origin.url}/api/api/collections/users/auth-with-password (404)`)
    expect(message).toContain('must not end with /api')
  })

  it('a 404 elsewhere gives no /api hint', async () => {
    const origin = await server()
    const error = await rejectionOf(client(origin.url).authWithPassword('alice@example.com', PASSWORD))
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as Error).message).not.toContain('must not end with /api')
  })

  it('a refused connection names host and port', async () => {
    const closed = await startHostileServer()
    await closed.close()
    const error = await rejectionOf(client(closed.url).authWithPassword('alice@example.com', PASSWORD))
    expect(error).toBeInstanceOf(NetworkError)
    const { message } = error as Error
    expect(message).toContain(`POST ${closed.url}/api/collections/users/auth-with-password`)
    expect(message).toContain('ECONNREFUSED')
  })

  it('never the query string', async () => {
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.message(500, 'Something went wrong.'),
    })
    const error = await rejectionOf(
      client(origin.url).authWithPassword('alice@example.com', PASSWORD, { expand: 'query-marker-31337' }),
    )
    expect(origin.requests[0]?.search).toContain('query-marker-31337')
    expect(everythingPrintable(error)).not.toContain('query-marker-31337')
    expect((error as Error).message).toContain(`POST ${origin.url}${users('auth-with-password')} (500)`)
  })
})

describe('tokens the server should never issue', TEST_LIMIT, () => {
  it('the fixture issues an already expired token with a skewed Date header', async () => {
    const origin = await server({
      [`POST ${users('auth-with-password')}`]: hostile.authAnswer({
        lifetimeSeconds: -60,
        dateOffsetMs: 2 * 86_400_000,
      }),
    })
    const response = await fetch(`${origin.url}${users('auth-with-password')}`, { method: 'POST' })
    const body = (await response.json()) as { token: string }
    const exp = (
      JSON.parse(Buffer.from(body.token.split('.')[1]!, 'base64url').toString()) as { exp: number }
    ).exp
    expect(exp * 1000).toBeLessThan(Date.now())
    const date = Date.parse(response.headers.get('date') ?? '')
    expect(date - Date.now()).toBeGreaterThan(86_400_000)
  })
})
