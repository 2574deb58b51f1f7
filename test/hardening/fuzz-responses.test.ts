import '../setup/fail-on-unhandled.js'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AuthClient, createAuthClient, createDbInterface, isAuthError } from '../../src/index.js'
import type { AuthSession } from '../../src/index.js'
import { MAX_RESPONSE_BYTES } from '../../src/http/request.js'
import { makeAuthRecord, makeJwt, type JwtClaims } from '../helpers/factories.js'
import { hasControlCharacters } from '../helpers/control-characters.js'
import { hasDocumentedCode } from './error-codes.js'
import { createFakeFetch, json, signInBody, type FakeRequest } from './fake-fetch.js'

const RUNS = { numRuns: 1000 }
/**
 * A thousand runs take seconds on a busy 2-core machine: each property gets a limit far above that, so only a
 * real hang (which the client's own request timeout already turns into a TimeoutError) could reach it.
 */
const FUZZ_LIMIT = { timeout: 120_000 }
const URL_BASE = 'http://pb.test'
const NULL_BODY_STATUSES = new Set([204, 205, 304])

/** A server answer the fuzzer builds: status, raw body text (or none) and headers. */
interface Answer {
  readonly status: number
  readonly text: string | undefined
  readonly headers: Record<string, string>
}

const junk = fc.oneof(fc.anything(), fc.constantFrom(NaN, Infinity, -1, 0, '', null, 1e308, -1e308))
const randomClaims = fc.record(
  {
    id: fc.oneof(fc.constant('record1234567ab'), fc.string(), junk),
    collectionId: fc.oneof(fc.constant('_pb_users_auth_'), fc.string(), junk),
    exp: fc.oneof(fc.integer(), fc.double(), fc.constant(Math.floor(Date.now() / 1000) + 3600), junk),
    type: fc.oneof(fc.constant('auth'), fc.string(), junk),
    refreshable: fc.oneof(fc.boolean(), junk),
    extra: junk,
  },
  { requiredKeys: [] },
)
const jwtWithRandomClaims = randomClaims.map((claims) => makeJwt(claims as JwtClaims))
const recordArbitrary = fc.oneof(
  fc.constant(makeAuthRecord()),
  fc.constant(makeAuthRecord({ collectionName: '_superusers', collectionId: 'pbc_3142635823' })),
  fc.record({ id: junk, collectionId: junk, collectionName: junk }, { requiredKeys: [] }),
  junk,
)
const tokenArbitrary = fc.oneof(fc.string(), jwtWithRandomClaims, fc.constant(signInBody().token), junk)

/** Bodies shaped like every PocketBase answer, mutated, plus arbitrary JSON and non-JSON. */
const bodyArbitrary: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue(),
  fc.record({ token: tokenArbitrary, record: recordArbitrary, meta: fc.option(junk) }, { requiredKeys: [] }),
  fc.constant(signInBody()),
  fc.record({ mfaId: fc.oneof(fc.string(), junk) }),
  fc.record({ otpId: fc.oneof(fc.string(), junk) }),
  fc.record(
    {
      data: fc.oneof(
        fc.dictionary(fc.string(), fc.record({ code: fc.string(), message: fc.string() })),
        fc.jsonValue(),
      ),
      message: fc.oneof(
        fc.constantFrom(
          'Failed to authenticate.',
          'Invalid or expired OTP.',
          'Too Many Requests.',
          'Invalid MFA session.',
          'The collection is not configured to allow password authentication.',
        ),
        fc.string(),
        junk,
      ),
      status: junk,
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      password: fc.record({ enabled: junk, identityFields: fc.oneof(fc.array(fc.string()), junk) }),
      oauth2: fc.record({
        enabled: fc.oneof(fc.boolean(), junk),
        providers: fc.oneof(
          fc.array(
            fc.record({
              name: fc.oneof(fc.constant('oidc'), fc.string()),
              state: fc.string(),
              authURL: fc.string(),
              codeVerifier: fc.string(),
              codeChallenge: fc.string(),
              codeChallengeMethod: fc.string(),
            }),
          ),
          junk,
        ),
      }),
      mfa: fc.record({ enabled: fc.oneof(fc.boolean(), junk), duration: fc.oneof(fc.double(), junk) }),
      otp: fc.record({ enabled: fc.oneof(fc.boolean(), junk), duration: fc.oneof(fc.double(), junk) }),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    {
      page: junk,
      perPage: junk,
      totalItems: junk,
      totalPages: junk,
      items: fc.oneof(fc.array(fc.jsonValue()), junk),
    },
    { requiredKeys: [] },
  ),
)

const textArbitrary: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: bodyArbitrary.map((body) => JSON.stringify(body) ?? 'null') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: fc
      .tuple(bodyArbitrary, fc.nat())
      .map(([body, cut]) => (JSON.stringify(body) ?? '').slice(0, cut)),
  },
)

const answerArbitrary: fc.Arbitrary<Answer> = fc.record({
  status: fc.oneof(
    fc.constantFrom(200, 204, 400, 401, 403, 404, 429, 500, 502, 503),
    fc.integer({ min: 200, max: 599 }),
  ),
  text: textArbitrary,
  headers: fc.record(
    {
      date: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
        fc.string(),
      ),
      'retry-after': fc.oneof(fc.nat().map(String), fc.string()),
    },
    { requiredKeys: [] },
  ),
})

function toResponse(answer: Answer): Response {
  const nullBody = NULL_BODY_STATUSES.has(answer.status)
  const headers = new Headers({ 'Content-Type': 'application/json' })
  for (const [name, value] of Object.entries(answer.headers)) {
    try {
      headers.set(name, value)
    } catch {
      // A header value fetch itself would refuse: such a response cannot reach the SDK.
      headers.delete(name)
    }
  }
  return new Response(nullBody ? null : (answer.text ?? null), { status: answer.status, headers })
}

const VALID_AUTH_METHODS = {
  password: { enabled: true, identityFields: ['email'] },
  oauth2: {
    enabled: true,
    providers: [
      {
        name: 'oidc',
        displayName: 'OIDC',
        state: 'state-1234567890',
        authURL: 'http://idp.test/authorize?redirect_uri=',
        codeVerifier: 'verifier-abcdefghijklmnop',
        codeChallenge: 'challenge',
        codeChallengeMethod: 'S256',
      },
    ],
  },
  mfa: { enabled: true, duration: 600 },
  otp: { enabled: true, duration: 300 },
}

/** One endpoint under fuzz: which path gets the arbitrary answer, how to call it, what a success looks like. */
interface Endpoint {
  readonly name: string
  readonly fuzzedPath: string
  /** Sign in first (as this collection) so calls that need a session have one. */
  readonly signInAs?: 'users' | '_superusers'
  readonly call: (auth: AuthClient) => Promise<unknown>
  readonly checkResult: (value: unknown) => void
}

function expectSession(value: unknown): void {
  const session = value as AuthSession
  expect(typeof session.token).toBe('string')
  expect(typeof session.recordId).toBe('string')
  expect(Number.isFinite(session.expiresAt)).toBe(true)
}
const expectVoid = (value: unknown): void => expect(value).toBeUndefined()
const users = (action: string): string => `/api/collections/users/${action}`

const ENDPOINTS: readonly Endpoint[] = [
  {
    name: 'auth-with-password',
    fuzzedPath: users('auth-with-password'),
    call: (auth) => auth.authWithPassword('alice@example.com', 'pw-correct-horse'),
    checkResult: expectSession,
  },
  {
    name: 'auth-with-otp',
    fuzzedPath: users('auth-with-otp'),
    call: (auth) => auth.authWithOTP('otp123456789012', '12345678'),
    checkResult: expectSession,
  },
  {
    name: 'request-otp',
    fuzzedPath: users('request-otp'),
    call: (auth) => auth.requestOTP('alice@example.com'),
    checkResult: (value) => expect((value as { otpId: string }).otpId).toEqual(expect.any(String)),
  },
  {
    name: 'auth-refresh',
    fuzzedPath: users('auth-refresh'),
    signInAs: 'users',
    call: (auth) => auth.authRefresh(),
    checkResult: expectSession,
  },
  {
    name: 'auth-methods',
    fuzzedPath: users('auth-methods'),
    call: (auth) => auth.listAuthMethods(),
    checkResult: (value) => {
      const methods = value as { oauth2: { providers: unknown[] }; mfa: { durationSeconds: number } }
      expect(Array.isArray(methods.oauth2.providers)).toBe(true)
      expect(typeof methods.mfa.durationSeconds).toBe('number')
    },
  },
  {
    name: 'startOAuth2 (auth-methods)',
    fuzzedPath: users('auth-methods'),
    call: (auth) => auth.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:9/cb' }),
    checkResult: (value) => expect((value as { url: string }).url).toEqual(expect.any(String)),
  },
  {
    name: 'auth-with-oauth2 (low level)',
    fuzzedPath: users('auth-with-oauth2'),
    call: (auth) =>
      auth.authWithOAuth2Code('oidc', 'code-1234', 'verifier-1234', 'http://127.0.0.1:9/cb', { name: 'A' }),
    checkResult: expectSession,
  },
  {
    name: 'auth-with-oauth2 (completeOAuth2)',
    fuzzedPath: users('auth-with-oauth2'),
    call: async (auth) => {
      const { state } = await auth.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:9/cb' })
      return auth.completeOAuth2(`http://127.0.0.1:9/cb?code=code-1234&state=${state}`)
    },
    checkResult: expectSession,
  },
  {
    name: 'impersonate',
    fuzzedPath: users('impersonate/record1234567ab'),
    signInAs: '_superusers',
    call: async (auth) => {
      const child = await auth.impersonate('record1234567ab', { durationSeconds: 60, renew: true })
      child.dispose()
      return child
    },
    checkResult: (value) => expect(value).toBeInstanceOf(AuthClient),
  },
  {
    name: 'request-verification',
    fuzzedPath: users('request-verification'),
    call: (auth) => auth.requestVerification('alice@example.com'),
    checkResult: expectVoid,
  },
  {
    name: 'confirm-verification',
    fuzzedPath: users('confirm-verification'),
    call: (auth) => auth.confirmVerification('verification-token'),
    checkResult: expectVoid,
  },
  {
    name: 'request-password-reset',
    fuzzedPath: users('request-password-reset'),
    call: (auth) => auth.requestPasswordReset('alice@example.com'),
    checkResult: expectVoid,
  },
  {
    name: 'confirm-password-reset',
    fuzzedPath: users('confirm-password-reset'),
    call: (auth) => auth.confirmPasswordReset('reset-token', 'pw-new-123456', 'pw-new-123456'),
    checkResult: expectVoid,
  },
  {
    name: 'request-email-change',
    fuzzedPath: users('request-email-change'),
    signInAs: 'users',
    call: (auth) => auth.requestEmailChange('new@example.com'),
    checkResult: expectVoid,
  },
  {
    name: 'confirm-email-change',
    fuzzedPath: users('confirm-email-change'),
    call: (auth) => auth.confirmEmailChange('change-token', 'pw-correct-horse'),
    checkResult: expectVoid,
  },
  {
    name: 'db getList',
    fuzzedPath: '/api/collections/posts/records',
    signInAs: 'users',
    call: (auth) => createDbInterface(auth).collection('posts').getList(1, 20),
    checkResult: (value) => expect(Array.isArray((value as { items: unknown }).items)).toBe(true),
  },
]

/** Serialising, inspecting and reading an error must never throw either. */
function expectTypedError(error: unknown): void {
  expect(error).toBeInstanceOf(Error)
  expect(hasDocumentedCode(error)).toBe(true)
  expect(() => JSON.stringify(error)).not.toThrow()
  expect(() => inspect(error, { depth: 10 })).not.toThrow()
  expect(typeof (error as Error).message).toBe('string')
}

async function settle(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown; ok: boolean }> {
  try {
    return { ok: true, value: await promise }
  } catch (error) {
    return { ok: false, error }
  }
}

function serve(endpoint: Endpoint, answer: Answer, isFuzzing: () => boolean) {
  return (request: FakeRequest): Response => {
    if (isFuzzing() && request.path === endpoint.fuzzedPath) return toResponse(answer)
    if (request.path.endsWith('/auth-with-password')) {
      return json(signInBody('record1234567ab', { collectionName: endpoint.signInAs ?? 'users' }))
    }
    if (request.path.endsWith('/auth-methods')) return json(VALID_AUTH_METHODS)
    return json({ data: {}, message: 'Not found.', status: 404 }, 404)
  }
}

describe('arbitrary server answers', FUZZ_LIMIT, () => {
  it.each(ENDPOINTS)('$name: a typed result or exactly one documented AuthError', async (endpoint) => {
    await fc.assert(
      fc.asyncProperty(answerArbitrary, async (answer) => {
        let fuzzing = false
        const { fetch } = createFakeFetch(serve(endpoint, answer, () => fuzzing))
        const auth = createAuthClient({ url: URL_BASE, fetch, timeoutMs: 5_000 })
        try {
          if (endpoint.signInAs !== undefined) await auth.authWithPassword('setup@example.com', 'pw-setup-1')
          fuzzing = true
          const outcome = await settle(endpoint.call(auth))
          if (outcome.ok) endpoint.checkResult(outcome.value)
          else expectTypedError(outcome.error)
        } finally {
          auth.dispose()
        }
      }),
      RUNS,
    )
  })
})

describe('arbitrary tokens in auth responses', FUZZ_LIMIT, () => {
  const signInWith = async (body: unknown): Promise<{ ok: boolean; value?: unknown; error?: unknown }> => {
    const { fetch } = createFakeFetch(() => json(body))
    const auth = createAuthClient({ url: URL_BASE, fetch })
    try {
      return await settle(auth.authWithPassword('alice@example.com', 'pw-correct-horse'))
    } finally {
      auth.dispose()
    }
  }

  it('an arbitrary string as token gives unexpected_response or a valid session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), async (token) => {
        const outcome = await signInWith({ token, record: makeAuthRecord() })
        if (outcome.ok) {
          expectSession(outcome.value)
          expect((outcome.value as AuthSession).token).toBe(token)
        } else {
          expectTypedError(outcome.error)
          expect((outcome.error as { code: string }).code).toBe('unexpected_response')
        }
      }),
      RUNS,
    )
  })

  it('a JWT with random claims gives unexpected_response or a session that matches its claims', async () => {
    await fc.assert(
      fc.asyncProperty(randomClaims, async (claims) => {
        const token = makeJwt(claims as JwtClaims)
        const outcome = await signInWith({ token, record: makeAuthRecord() })
        if (!outcome.ok) {
          expectTypedError(outcome.error)
          expect((outcome.error as { code: string }).code).toBe('unexpected_response')
          return
        }
        const session = outcome.value as AuthSession
        expectSession(session)
        const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
          id: string
          exp: number
          refreshable?: unknown
        }
        expect(session.recordId).toBe(payload.id)
        expect(session.refreshable).toBe(payload.refreshable !== false)
        // expiresAt comes from exp (corrected by at most the Date header's one-second resolution).
        expect(Math.abs(session.expiresAt - payload.exp * 1000)).toBeLessThan(2_000)
        expect(isAuthError(session)).toBe(false)
      }),
      RUNS,
    )
  })
})

/*
 * Hostile sizes: bodies nested 100,000 levels deep, megabyte strings in every text field, bodies far beyond
 * the size limit (streamed from one reused chunk, never allocated), control characters and adversarial `Date`
 * headers. Every run ends in a typed result or a documented AuthError; a stall is bounded by the client's
 * request timeout (a TimeoutError is a typed error), never by a timing assertion.
 */
describe('hostile sizes', () => {
  const HOSTILE_RUNS = { numRuns: 50 }
  const MIB = 1024 * 1024

  /** `depth` levels of `{"a": … }` (or `[ … ]`) around `leaf`, as text: too deep to build as an object. */
  const deepText = (depth: number, leaf: string, array: boolean): string =>
    array
      ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`

  const depthArbitrary = fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(1_000, 10_000, 100_000))
  const controlText = fc.string({
    unit: fc.constantFrom(
      '\r',
      '\n',
      '\r\n',
      '\u001b[31m',
      '\u001b]0;title\u0007',
      '\u0000',
      '\u0085',
      '\u009b',
      '\u2028',
      '\u202e',
      'a',
      ' ',
    ),
    maxLength: 200,
  })
  const megabyteText = fc
    .tuple(
      fc.constantFrom(1, 2),
      fc.constantFrom('x', 'The collection is not configured to allow ', '\u001b[31m', '"\\'),
    )
    .map(([mib, unit]) => unit.repeat(Math.ceil((mib * MIB) / unit.length)))
  const hostileText = fc.oneof(controlText, megabyteText)

  /** A 400 with `count` field errors whose keys, codes and messages are `text`. */
  const wideData = (text: string, count: number): string =>
    JSON.stringify({
      data: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`${text.slice(0, 50)}${i}`, { code: text, message: text }]),
      ),
      message: 'x',
      status: 400,
    })

  const goodToken = signInBody().token
  const goodRecord = JSON.stringify(makeAuthRecord())

  /** Raw body texts, each valid JSON of a hostile size or shape. */
  const hostileBody: fc.Arbitrary<string> = fc.oneof(
    fc
      .tuple(depthArbitrary, fc.boolean(), hostileText)
      .map(
        ([depth, array, message]) =>
          `{"data":${deepText(depth, '{"code":"validation_deep","message":"Deep."}', array)},"message":${JSON.stringify(message)},"status":400}`,
      ),
    fc.tuple(depthArbitrary, fc.boolean()).map(([depth, array]) => deepText(depth, '1', array)),
    fc
      .tuple(depthArbitrary, fc.boolean())
      .map(([depth, array]) => `{"token":"${goodToken}","record":${deepText(depth, '{}', array)}}`),
    fc
      .tuple(depthArbitrary, fc.boolean())
      .map(
        ([depth, array]) =>
          `{"token":"${goodToken}","record":${goodRecord.slice(0, -1)},"expand":${deepText(depth, '{}', array)}},"meta":${deepText(depth, '{}', array)}}`,
      ),
    hostileText.map((text) => JSON.stringify({ data: {}, message: text, status: 403 })),
    hostileText.map((text) => JSON.stringify({ mfaId: text })),
    hostileText.map((text) => JSON.stringify({ otpId: text })),
    hostileText.map((text) => JSON.stringify({ token: text, record: makeAuthRecord({ name: text }) })),
    // Many field errors with control characters, or a few with megabyte codes and messages.
    fc.tuple(controlText, fc.integer({ min: 1, max: 20_000 })).map(([text, count]) => wideData(text, count)),
    fc.tuple(megabyteText, fc.integer({ min: 1, max: 3 })).map(([text, count]) => wideData(text, count)),
    fc
      .tuple(hostileText, depthArbitrary)
      .map(
        ([text, depth]) =>
          `{"password":{"enabled":true,"identityFields":[]},"oauth2":{"enabled":true,"providers":[${deepText(depth, '{}', false)}]},"mfa":{"enabled":true,"duration":${JSON.stringify(text)}},"otp":{"enabled":true,"duration":1}}`,
      ),
  )

  const hostileDate = fc.oneof(
    fc.constantFrom(
      'Thu, 01 Jan 1970 00:00:00 GMT',
      'Fri, 31 Dec 9999 23:59:59 GMT',
      'Sat, 13 Sep 275760 00:00:00 GMT',
      'Mon, 01 Jan 0000 00:00:00 GMT',
      'not a date',
      '',
    ),
    fc
      .integer({ min: -8_640_000_000_000_000, max: 8_640_000_000_000_000 })
      .map((ms) => new Date(ms).toUTCString()),
    fc
      .integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })
      .map((offset) => new Date(Date.now() + offset).toUTCString()),
  )

  /** A body far beyond the size limit, streamed from one reused chunk so the test allocates nothing. */
  const hugeBody = (totalBytes: number): ReadableStream<Uint8Array> => {
    const chunk = new Uint8Array(MIB).fill(0x61)
    let sent = 0
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent >= totalBytes) return controller.close()
          sent += chunk.byteLength
          controller.enqueue(chunk)
        },
      },
      { highWaterMark: 0 },
    )
  }

  type HostileAnswer =
    | { kind: 'text'; status: number; text: string; date: string | undefined }
    | { kind: 'huge'; status: number; totalBytes: number; declareLength: boolean }

  const statusArbitrary = fc.oneof(
    fc.constantFrom(200, 400, 401, 403, 404, 429, 500, 301, 302, 303, 307, 308),
    fc.integer({ min: 200, max: 599 }).filter((status) => !NULL_BODY_STATUSES.has(status)),
  )
  const hostileAnswer: fc.Arbitrary<HostileAnswer> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant('text' as const),
        status: statusArbitrary,
        text: hostileBody,
        date: fc.option(hostileDate, { nil: undefined }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('huge' as const),
        status: statusArbitrary,
        totalBytes: fc.constantFrom(MAX_RESPONSE_BYTES + 1, 64 * MIB, 400 * MIB),
        declareLength: fc.boolean(),
      }),
    },
  )

  function hostileResponse(answer: HostileAnswer): Response {
    if (answer.kind === 'huge') {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' }
      if (answer.declareLength) headers['Content-Length'] = String(answer.totalBytes)
      return new Response(hugeBody(answer.totalBytes), { status: answer.status, headers })
    }
    const headers = new Headers({ 'Content-Type': 'application/json' })
    if (answer.date !== undefined) headers.set('Date', answer.date)
    return new Response(answer.text, { status: answer.status, headers })
  }

  it('every endpoint: a typed result or a documented AuthError whose message is bounded and clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), hostileAnswer, async (endpoint, answer) => {
        let fuzzing = false
        const { fetch } = createFakeFetch((request) => {
          if (fuzzing && request.path === endpoint.fuzzedPath) return hostileResponse(answer)
          return serve(endpoint, { status: 200, text: undefined, headers: {} }, () => false)(request)
        })
        const auth = createAuthClient({ url: URL_BASE, fetch, timeoutMs: 10_000, autoRefresh: false })
        try {
          if (endpoint.signInAs !== undefined) await auth.authWithPassword('setup@example.com', 'pw-setup-1')
          fuzzing = true
          const outcome = await settle(endpoint.call(auth))
          if (outcome.ok) {
            endpoint.checkResult(outcome.value)
            return
          }
          expectTypedError(outcome.error)
          const { message } = outcome.error as Error
          expect(message.length).toBeLessThan(2_000)
          expect(hasControlCharacters(message)).toBe(false)
          if (answer.kind === 'huge') expect((outcome.error as { code: string }).code).not.toBe('timeout')
        } finally {
          auth.dispose()
        }
      }),
      HOSTILE_RUNS,
    )
  }, 300_000)
})
