import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AuthErrorCode } from '../../src/index.js'
import {
  InvalidCredentialsError,
  MfaRequiredError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../src/index.js'
import type { FirstFactor } from '../../src/errors/mfa.js'
import {
  errorFromResponse,
  MAX_FIELD_ERROR_DEPTH,
  MAX_FIELD_ERROR_ENTRIES,
  MAX_FIELD_ERRORS,
  MAX_FIELD_PATH_LENGTH,
  flattenFieldErrors,
  type EndpointKind,
  type ResponseContext,
} from '../../src/errors/from-response.js'
import { hasControlCharacters } from '../helpers/control-characters.js'
import { PB_BODIES } from '../helpers/factories.js'

const signIn = (factor: FirstFactor): EndpointKind => ({ kind: 'sign-in', factor })
const other: EndpointKind = { kind: 'other' }

interface Row {
  readonly name: string
  readonly path: string
  readonly status: number
  readonly body: unknown
  readonly endpoint: EndpointKind
  readonly sentToken?: boolean
  readonly code: AuthErrorCode
  /** Extra properties the error must have. */
  readonly has?: Record<string, unknown>
}

const p = (action: string, collection = 'users'): string => `/api/collections/${collection}/${action}`
const B = PB_BODIES
const required = { code: 'validation_required', message: 'Cannot be blank.' }

/** Every error answer of shared/PB-AUTH-API.md, with the one code it must map to. */
const ROWS: readonly Row[] = [
  // §3 password auth
  {
    name: 'password: wrong password / unknown identity',
    path: p('auth-with-password'),
    status: 400,
    body: B.failedToAuthenticate,
    endpoint: signIn('password'),
    code: 'invalid_credentials',
    has: { reason: 'credentials' },
  },
  {
    name: 'password: {} body',
    path: p('auth-with-password'),
    status: 400,
    body: B.blankIdentity,
    endpoint: signIn('password'),
    code: 'validation_failed',
    has: { fieldErrors: { identity: required, password: required } },
  },
  {
    name: 'password: missing password',
    path: p('auth-with-password'),
    status: 400,
    body: B.blankPassword,
    endpoint: signIn('password'),
    code: 'validation_failed',
    has: { fieldErrors: { password: required } },
  },
  {
    name: 'password: identityField not an identity field',
    path: p('auth-with-password'),
    status: 400,
    body: B.invalidIdentityField,
    endpoint: signIn('password'),
    code: 'validation_failed',
  },
  {
    name: 'password: passwordAuth disabled',
    path: p('auth-with-password'),
    status: 403,
    body: B.passwordAuthDisabled,
    endpoint: signIn('password'),
    code: 'forbidden',
  },
  {
    name: 'password: authRule not satisfied',
    path: p('auth-with-password'),
    status: 403,
    body: B.authRuleNotSatisfied,
    endpoint: signIn('password'),
    code: 'forbidden',
  },
  {
    name: 'password: MFA required',
    path: p('auth-with-password'),
    status: 401,
    body: B.mfaRequired,
    endpoint: signIn('password'),
    code: 'mfa_required',
    has: { mfaId: 'kq6dthldmghvm1t', firstFactor: 'password' },
  },
  {
    name: 'superuser password: MFA required',
    path: p('auth-with-password', '_superusers'),
    status: 401,
    body: B.mfaRequired,
    endpoint: signIn('password'),
    code: 'mfa_required',
  },
  {
    name: 'record create: email not unique',
    path: p('records'),
    status: 400,
    body: B.emailNotUnique,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'invalid JSON submitted',
    path: p('records'),
    status: 400,
    body: B.invalidSubmittedData,
    endpoint: other,
    code: 'validation_failed',
  },
  // §4 auth-refresh
  {
    name: 'refresh: invalid/expired token',
    path: p('auth-refresh'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: true,
    code: 'token_expired',
  },
  {
    name: 'refresh: no token sent',
    path: p('auth-refresh'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: false,
    code: 'not_authenticated',
  },
  {
    name: 'refresh: user token to _superusers',
    path: p('auth-refresh', '_superusers'),
    status: 403,
    body: B.requiresUsersRecord,
    endpoint: other,
    sentToken: true,
    code: 'forbidden',
  },
  {
    name: 'refresh: superuser token to users',
    path: p('auth-refresh'),
    status: 403,
    body: B.requiresSuperusersRecord,
    endpoint: other,
    sentToken: true,
    code: 'forbidden',
  },
  {
    name: 'refresh: authRule no longer satisfied',
    path: p('auth-refresh'),
    status: 403,
    body: B.authRuleNotSatisfied,
    endpoint: other,
    sentToken: true,
    code: 'forbidden',
  },
  {
    name: 'refresh: a stray {mfaId} 401 is not an MFA prompt',
    path: p('auth-refresh'),
    status: 401,
    body: B.mfaRequired,
    endpoint: other,
    sentToken: true,
    code: 'token_expired',
  },
  {
    name: 'collection PATCH: duration below 10',
    path: '/api/collections/users',
    status: 400,
    body: B.authTokenDurationTooShort,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
    has: {
      fieldErrors: {
        'authToken.duration': {
          code: 'validation_min_greater_equal_than_required',
          message: 'Must be no less than 10.',
        },
      },
    },
  },
  {
    name: 'collection PATCH: not a superuser',
    path: '/api/collections/users',
    status: 403,
    body: B.notAllowed,
    endpoint: other,
    sentToken: true,
    code: 'forbidden',
  },
  {
    name: 'collection PATCH: no auth',
    path: '/api/collections/users',
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    code: 'not_authenticated',
  },
  // §5 OTP
  {
    name: 'request-otp: OTP disabled',
    path: p('request-otp'),
    status: 403,
    body: B.otpDisabled,
    endpoint: other,
    code: 'forbidden',
  },
  {
    name: 'auth-with-otp: OTP disabled',
    path: p('auth-with-otp'),
    status: 403,
    body: B.otpDisabled,
    endpoint: signIn('otp'),
    code: 'forbidden',
  },
  {
    name: 'request-otp: missing email',
    path: p('request-otp'),
    status: 400,
    body: B.blankEmail,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'request-otp: invalid email',
    path: p('request-otp'),
    status: 400,
    body: B.invalidEmail,
    endpoint: other,
    code: 'validation_failed',
    has: {
      fieldErrors: { email: { code: 'validation_is_email', message: 'Must be a valid email address.' } },
    },
  },
  {
    name: 'auth-with-otp: wrong/expired/reused code',
    path: p('auth-with-otp'),
    status: 400,
    body: B.invalidOtp,
    endpoint: signIn('otp'),
    code: 'otp_invalid',
  },
  {
    name: 'auth-with-otp: missing fields',
    path: p('auth-with-otp'),
    status: 400,
    body: B.blankOtpFields,
    endpoint: signIn('otp'),
    code: 'validation_failed',
  },
  {
    name: 'auth-with-otp: too many attempts',
    path: p('auth-with-otp'),
    status: 429,
    body: B.tooManyOtpAttempts,
    endpoint: signIn('otp'),
    code: 'rate_limited',
  },
  {
    name: 'auth-with-otp: MFA required (OTP first)',
    path: p('auth-with-otp'),
    status: 401,
    body: B.mfaRequired,
    endpoint: signIn('otp'),
    code: 'mfa_required',
    has: { firstFactor: 'otp' },
  },
  // §6 MFA
  {
    name: 'MFA: same method twice',
    path: p('auth-with-password'),
    status: 400,
    body: B.mfaSameMethod,
    endpoint: signIn('password'),
    code: 'invalid_credentials',
    has: { reason: 'mfa_same_method' },
  },
  {
    name: 'MFA: reused/garbage/expired mfaId',
    path: p('auth-with-otp'),
    status: 400,
    body: B.mfaInvalid,
    endpoint: signIn('otp'),
    code: 'invalid_credentials',
    has: { reason: 'mfa_session_invalid' },
  },
  {
    name: 'MFA: mfaId of another record',
    path: p('auth-with-password'),
    status: 400,
    body: B.mfaMismatch,
    endpoint: signIn('password'),
    code: 'invalid_credentials',
    has: { reason: 'mfa_session_mismatch' },
  },
  {
    name: 'MFA: wrong OTP with a valid mfaId',
    path: p('auth-with-otp'),
    status: 400,
    body: B.invalidOtp,
    endpoint: signIn('otp'),
    code: 'otp_invalid',
  },
  {
    name: 'MFA: wrong password with MFA on',
    path: p('auth-with-password'),
    status: 400,
    body: B.failedToAuthenticate,
    endpoint: signIn('password'),
    code: 'invalid_credentials',
  },
  {
    name: 'MFA: enabling without a second method',
    path: '/api/collections/users',
    status: 400,
    body: B.mfaNotEnoughAuths,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
    has: {
      fieldErrors: {
        'mfa.enabled': {
          code: 'validation_mfa_not_enough_auths',
          message: 'MFA requires at least 2 auth methods to be enabled.',
        },
      },
    },
  },
  {
    name: 'MFA: invalid rule',
    path: '/api/collections/users',
    status: 400,
    body: B.mfaInvalidRule,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
  },
  // §7 OAuth2
  {
    name: 'oauth2: wrong verifier / reused code / redirect mismatch',
    path: p('auth-with-oauth2'),
    status: 400,
    body: B.oauth2TokenFailed,
    endpoint: signIn('oauth2'),
    code: 'oauth2_failed',
  },
  {
    name: 'oauth2: unknown provider',
    path: p('auth-with-oauth2'),
    status: 400,
    body: B.oauth2UnknownProvider,
    endpoint: signIn('oauth2'),
    code: 'validation_failed',
    has: {
      fieldErrors: {
        provider: {
          code: 'validation_invalid_provider',
          message: 'Provider with name github is missing or is not enabled.',
        },
      },
    },
  },
  {
    name: 'oauth2: missing fields',
    path: p('auth-with-oauth2'),
    status: 400,
    body: B.oauth2MissingFields,
    endpoint: signIn('oauth2'),
    code: 'validation_failed',
  },
  {
    name: 'oauth2: provider email not verified',
    path: p('auth-with-oauth2'),
    status: 400,
    body: B.oauth2BlankEmail,
    endpoint: signIn('oauth2'),
    code: 'validation_failed',
  },
  {
    name: 'oauth2: invalid createData',
    path: p('auth-with-oauth2'),
    status: 400,
    body: B.oauth2CreateDataTooLong,
    endpoint: signIn('oauth2'),
    code: 'validation_failed',
  },
  {
    name: 'oauth2: OAuth2 disabled',
    path: p('auth-with-oauth2'),
    status: 403,
    body: B.oauth2Disabled,
    endpoint: signIn('oauth2'),
    code: 'forbidden',
  },
  {
    name: 'oauth2: MFA required (OAuth2 first)',
    path: p('auth-with-oauth2'),
    status: 401,
    body: B.mfaRequired,
    endpoint: signIn('oauth2'),
    code: 'mfa_required',
    has: { firstFactor: 'oauth2' },
  },
  // §8 impersonate
  {
    name: 'impersonate: negative duration',
    path: p('impersonate/abc'),
    status: 400,
    body: B.impersonateNegativeDuration,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
  },
  {
    name: 'impersonate: regular user token',
    path: p('impersonate/abc'),
    status: 403,
    body: B.notAllowed,
    endpoint: other,
    sentToken: true,
    code: 'forbidden',
  },
  {
    name: 'impersonate: no auth',
    path: p('impersonate/abc'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: false,
    code: 'not_authenticated',
  },
  {
    name: 'impersonate: rejected superuser token',
    path: p('impersonate/abc'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: true,
    code: 'token_expired',
  },
  {
    name: 'impersonate: unknown id',
    path: p('impersonate/abc'),
    status: 404,
    body: B.notFound,
    endpoint: other,
    sentToken: true,
    code: 'not_found',
  },
  // §9 rate limits
  {
    name: 'rate limit: *:auth 429',
    path: p('auth-with-password'),
    status: 429,
    body: B.tooManyRequests,
    endpoint: signIn('password'),
    code: 'rate_limited',
    has: { retryAfterMs: undefined },
  },
  {
    name: 'rate limit: 429 on another endpoint',
    path: p('records'),
    status: 429,
    body: B.tooManyRequests,
    endpoint: other,
    code: 'rate_limited',
  },
  {
    name: 'rate limit settings: invalid rule',
    path: '/api/settings',
    status: 400,
    body: B.rateLimitRulesInvalid,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
  },
  // §2 unknown routes and collections
  {
    name: 'unknown route',
    path: p('auth-refreshh'),
    status: 404,
    body: B.fileNotFound,
    endpoint: other,
    code: 'not_found',
  },
  {
    name: 'unknown collection',
    path: p('auth-with-password', 'nope'),
    status: 404,
    body: B.unknownCollection,
    endpoint: signIn('password'),
    code: 'not_found',
  },
  {
    name: 'base (non-auth) collection',
    path: p('auth-with-password', 'posts'),
    status: 404,
    body: B.notAuthCollection,
    endpoint: signIn('password'),
    code: 'not_found',
  },
  // §10 account flows
  {
    name: 'request-verification: missing email',
    path: p('request-verification'),
    status: 400,
    body: B.blankEmail,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'confirm-verification: garbage or auth token',
    path: p('confirm-verification'),
    status: 400,
    body: B.verificationTokenClaims,
    endpoint: other,
    code: 'validation_failed',
    has: {
      fieldErrors: {
        token: { code: 'validation_invalid_token_claims', message: 'Missing email token claim.' },
      },
    },
  },
  {
    name: 'confirm-password-reset: mismatch',
    path: p('confirm-password-reset'),
    status: 400,
    body: B.passwordConfirmMismatch,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'confirm-password-reset: short password',
    path: p('confirm-password-reset'),
    status: 400,
    body: B.passwordTooShort,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'confirm-password-reset: {}',
    path: p('confirm-password-reset'),
    status: 400,
    body: B.blankPasswordReset,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'confirm-password-reset: reused token',
    path: p('confirm-password-reset'),
    status: 400,
    body: B.resetTokenInvalid,
    endpoint: other,
    code: 'validation_failed',
  },
  {
    name: 'request-email-change: no auth',
    path: p('request-email-change'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: false,
    code: 'not_authenticated',
  },
  {
    name: 'request-email-change: rejected token',
    path: p('request-email-change'),
    status: 401,
    body: B.requiresAuth,
    endpoint: other,
    sentToken: true,
    code: 'token_expired',
  },
  {
    name: 'request-email-change: address taken',
    path: p('request-email-change'),
    status: 400,
    body: B.newEmailTaken,
    endpoint: other,
    sentToken: true,
    code: 'validation_failed',
  },
  {
    name: 'confirm-email-change: wrong password',
    path: p('confirm-email-change'),
    status: 400,
    body: B.emailChangeWrongPassword,
    endpoint: other,
    code: 'validation_failed',
  },
  // Not from PocketBase itself: proxies and broken servers.
  {
    name: '500 with a PocketBase body',
    path: p('auth-refresh'),
    status: 500,
    body: { data: {}, message: 'Something went wrong.', status: 500 },
    endpoint: other,
    code: 'server_error',
  },
  {
    name: '502 without a JSON body',
    path: p('auth-with-password'),
    status: 502,
    body: undefined,
    endpoint: signIn('password'),
    code: 'server_error',
  },
  {
    name: '503 with a string body',
    path: p('auth-with-password'),
    status: 503,
    body: 'down',
    endpoint: signIn('password'),
    code: 'server_error',
  },
  {
    name: 'an unexpected 418',
    path: p('auth-with-password'),
    status: 418,
    body: {},
    endpoint: signIn('password'),
    code: 'unexpected_response',
  },
  {
    name: 'a 400 with no body on a generic endpoint',
    path: p('records'),
    status: 400,
    body: undefined,
    endpoint: other,
    code: 'validation_failed',
  },
]

function map(row: Row) {
  const context: ResponseContext = { endpoint: row.endpoint, sentToken: row.sentToken ?? false }
  return errorFromResponse({ method: 'POST', path: row.path, status: row.status, body: row.body }, context)
}

describe('errorFromResponse: every recorded PocketBase error maps to exactly one code', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', (_name, row) => {
    const error = map(row)
    expect(error.code).toBe(row.code)
    expect(error.status).toBe(row.status)
    expect(error.exchange).toEqual({ method: 'POST', path: row.path, status: row.status, body: row.body })
    // A failure names method, path and status; MFA is a step of the flow, not a failure, and says what to do.
    if (row.code === 'mfa_required') expect(error.message).toContain('{ mfaId }')
    else expect(error.message).toContain(`POST ${row.path} (${row.status})`)
    if (row.has !== undefined) expect(error).toMatchObject(row.has)
  })

  it('covers every PB_BODIES entry at least once', () => {
    const used = new Set(ROWS.map((row) => row.body))
    const unused = Object.entries(PB_BODIES).filter(([, body]) => !used.has(body))
    expect(unused.map(([name]) => name)).toEqual([])
  })

  it('says which auth method is disabled on which collection', () => {
    const error = map(ROWS.find((row) => row.body === B.otpDisabled)!)
    expect(error.message).toContain('OTP authentication is not enabled on collection "users"')
  })

  it('keeps the server message for readers', () => {
    expect(map(ROWS[0]!).message).toContain('Failed to authenticate.')
  })

  it('an MFA 401 gives an MfaRequiredError without expiresAt (the client adds it)', () => {
    const error = map(ROWS.find((row) => row.code === 'mfa_required')!)
    expect(error).toBeInstanceOf(MfaRequiredError)
    expect((error as MfaRequiredError).expiresAt).toBeUndefined()
  })

  it('an empty mfaId is not an MFA prompt', () => {
    const error = errorFromResponse(
      { method: 'POST', path: p('auth-with-password'), status: 401, body: { mfaId: '' } },
      { endpoint: signIn('password'), sentToken: false },
    )
    expect(error.code).toBe('not_authenticated')
  })

  it('field errors win over the sign-in reading of a 400', () => {
    const error = map(ROWS.find((row) => row.body === B.blankIdentity)!)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error).not.toBeInstanceOf(InvalidCredentialsError)
  })
})

describe('flattenFieldErrors', () => {
  it('flattens nested data to dotted paths and drops params', () => {
    expect(flattenFieldErrors(B.rateLimitRulesInvalid.data)).toEqual({
      'rateLimits.rules.0.duration': required,
      'rateLimits.rules.0.label': { code: 'validation_match_invalid', message: 'Must be in a valid format.' },
      'rateLimits.rules.0.maxRequests': required,
    })
    expect(flattenFieldErrors(B.authTokenDurationTooShort.data)).toEqual({
      'authToken.duration': {
        code: 'validation_min_greater_equal_than_required',
        message: 'Must be no less than 10.',
      },
    })
  })

  it('flattens arrays by index', () => {
    expect(flattenFieldErrors({ rules: [{ label: required }] })).toEqual({ 'rules.0.label': required })
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'oops'],
    ['an empty object', {}],
    ['leaves that are not field errors', { a: 1, b: 'x', c: null, d: { code: 1, message: 'm' } }],
  ])('returns {} for %s', (_label, data) => {
    expect(flattenFieldErrors(data)).toEqual({})
  })
})

describe('Retry-After', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  const retryAfterMs = (header: string | null | undefined): number | undefined => {
    const error = errorFromResponse(
      { method: 'POST', path: p('auth-with-password'), status: 429, body: B.tooManyRequests },
      {
        endpoint: signIn('password'),
        sentToken: false,
        ...(header === undefined ? {} : { retryAfter: header }),
      },
    )
    expect(error).toBeInstanceOf(RateLimitedError)
    return (error as RateLimitedError).retryAfterMs
  }

  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1500],
    [' 3 ', 3000],
  ])('reads delay-seconds %j', (header, expected) => {
    expect(retryAfterMs(header)).toBe(expected)
  })

  it('reads an HTTP date relative to now, and never goes negative', () => {
    vi.useFakeTimers()
    vi.setSystemTime(new Date('2026-11-22T10:00:00Z'))
    expect(retryAfterMs('Sun, 22 Nov 2026 10:00:30 GMT')).toBe(30_000)
    expect(retryAfterMs('Sun, 22 Nov 2026 09:59:00 GMT')).toBe(0)
  })

  it.each([null, undefined, '', '   ', 'soon', 'NaN'])('ignores %j (PocketBase sends none)', (header) => {
    expect(retryAfterMs(header)).toBeUndefined()
  })

  it('caps a delay at what a timer can wait (about 24.8 days)', () => {
    expect(retryAfterMs('1e308')).toBe(2_147_483_647)
    expect(retryAfterMs('Fri, 31 Dec 9999 23:59:59 GMT')).toBe(2_147_483_647)
  })

  it('never gives a negative delay for a negative number', () => {
    const value = retryAfterMs('-5')
    expect(value === undefined || value >= 0).toBe(true)
  })
})

describe('hostile error bodies', () => {
  const error400 = (body: unknown, endpoint: EndpointKind = other) =>
    errorFromResponse(
      { method: 'POST', path: p('records', 'posts'), status: 400, body },
      { endpoint, sentToken: true },
    )

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'a 400 whose message is %j is read like any unknown message',
    (message) => {
      const signIn400 = error400({ data: {}, message, status: 400 }, signIn('password'))
      expect(signIn400).toBeInstanceOf(InvalidCredentialsError)
      expect((signIn400 as InvalidCredentialsError).reason).toBe('credentials')
      expect(error400({ data: {}, message, status: 400 })).toBeInstanceOf(ValidationError)
    },
  )

  it('a field named __proto__ stays a field, and the object keeps its prototype', () => {
    const fieldErrors = flattenFieldErrors(JSON.parse('{"__proto__":{"code":"c","message":"m"}}'))
    expect(Object.keys(fieldErrors)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(fieldErrors)).toBe(Object.prototype)
  })

  /** `{ l0: { l1: … { field: error } } }` with `levels` objects between `data` and the field error's object. */
  const nested = (levels: number): unknown => {
    let data: unknown = { field: required }
    for (let level = levels - 1; level >= 0; level--) data = { [`l${level}`]: data }
    return data
  }

  it(`reads field errors down to ${MAX_FIELD_ERROR_DEPTH} levels of nesting, and no deeper`, () => {
    const deepest = MAX_FIELD_ERROR_DEPTH
    expect(Object.keys(flattenFieldErrors(nested(deepest)))).toEqual([
      [...Array.from({ length: deepest }, (_, level) => `l${level}`), 'field'].join('.'),
    ])
    expect(flattenFieldErrors(nested(deepest + 1))).toEqual({})
  })

  it('100,000 levels of nesting do not overflow the stack', () => {
    expect(() => flattenFieldErrors(nested(100_000))).not.toThrow()
  })

  it(`keeps at most ${MAX_FIELD_ERRORS} field errors`, () => {
    const data = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`f${index}`, required]))
    const fieldErrors = flattenFieldErrors(data)
    expect(Object.keys(fieldErrors)).toHaveLength(MAX_FIELD_ERRORS)
    expect(fieldErrors.f0).toEqual(required)
  })

  it(`looks at no more than ${MAX_FIELD_ERROR_ENTRIES} entries in all`, () => {
    const data: Record<string, unknown> = {}
    for (let index = 0; index < MAX_FIELD_ERROR_ENTRIES; index++) data[`n${index}`] = { notAnError: 1 }
    data.last = required
    expect(flattenFieldErrors(data)).toEqual({})
  })

  it('cuts long paths, codes and messages and strips their control characters', () => {
    const fieldErrors = flattenFieldErrors({
      ['k'.repeat(10_000)]: { code: 'c\r\n'.repeat(1_000), message: 'm\u001b[31m'.repeat(100_000) },
    })
    const [[path, error]] = Object.entries(fieldErrors) as [[string, { code: string; message: string }]]
    expect(path.length).toBeLessThanOrEqual(MAX_FIELD_PATH_LENGTH + 1)
    expect(error.code.length).toBeLessThanOrEqual(501)
    expect(error.message.length).toBeLessThanOrEqual(501)
    expect(hasControlCharacters(`${path}${error.code}${error.message}`)).toBe(false)
  })

  it('names the URL when the exchange has one, and hints at a base URL ending with /api on such a 404', () => {
    const error = errorFromResponse(
      {
        method: 'GET',
        path: '/api/api/collections/users/auth-methods',
        url: 'https://pb.example.com/api/api/collections/users/auth-methods',
        status: 404,
        body: B.notFound,
      },
      { endpoint: other, sentToken: false },
    )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toBe(
      "GET https://pb.example.com/api/api/collections/users/auth-methods (404): The requested resource wasn't found. (the URL has /api/api/: the client's base URL must not end with /api; use the server's root URL)",
    )
  })

  it('a 403 with the "not configured" wording at the start of a huge message is still explained', () => {
    const error = errorFromResponse(
      {
        method: 'POST',
        path: p('auth-with-password'),
        status: 403,
        body: { message: `${B.otpDisabled.message}${' x'.repeat(1_000_000)}` },
      },
      { endpoint: signIn('otp'), sentToken: false },
    )
    expect(error.message).toBe(
      `POST ${p('auth-with-password')} (403): OTP authentication is not enabled on collection "users"`,
    )
  })
})
