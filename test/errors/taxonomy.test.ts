import { readFileSync } from 'node:fs'
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import * as api from '../../src/index.js'
import type { AnyAuthError, AuthErrorCode, FailedExchange } from '../../src/index.js'
import {
  AbortedError,
  AuthError,
  ConfigError,
  ForbiddenError,
  InvalidCredentialsError,
  isAuthError,
  MfaRequiredError,
  NetworkError,
  NotAuthenticatedError,
  NotFoundError,
  OAuth2FailedError,
  OAuth2StateInvalidError,
  OTPInvalidError,
  RateLimitedError,
  RefreshFailedError,
  ServerError,
  TimeoutError,
  TokenExpiredError,
  TokenNotRefreshableError,
  UnexpectedResponseError,
  ValidationError,
} from '../../src/index.js'
import { makeAuthResponse } from '../helpers/factories.js'

const SECRET_TOKEN = makeAuthResponse().token
const exchange: FailedExchange = {
  method: 'POST',
  path: '/api/collections/users/auth-with-password',
  status: 400,
  body: { token: SECRET_TOKEN, password: 'hunter2-secret' },
}
const options = { status: 400, exchange, cause: new Error('underlying') }

/** One factory per code; `Record<AuthErrorCode, …>` makes tsc fail when a code has no class here. */
const FACTORIES: Record<AuthErrorCode, () => AnyAuthError> = {
  config_invalid: () => new ConfigError([{ path: 'url', message: 'is required' }]),
  invalid_credentials: () => new InvalidCredentialsError('m', 'credentials', options),
  mfa_required: () => new MfaRequiredError('kq6dthldmghvm1t', 'password', 1_800_000_000_000, options),
  otp_invalid: () => new OTPInvalidError('m', options),
  oauth2_state_invalid: () => new OAuth2StateInvalidError('m', options),
  oauth2_failed: () => new OAuth2FailedError('m', 'access_denied', options),
  not_authenticated: () => new NotAuthenticatedError('m', options),
  token_expired: () => new TokenExpiredError('m', options),
  token_not_refreshable: () => new TokenNotRefreshableError('m', options),
  refresh_failed: () => new RefreshFailedError('m', options),
  forbidden: () => new ForbiddenError('m', options),
  not_found: () => new NotFoundError('m', options),
  validation_failed: () =>
    new ValidationError(
      'm',
      { password: { code: 'validation_required', message: 'Cannot be blank.' } },
      options,
    ),
  rate_limited: () => new RateLimitedError('m', 1500, options),
  network: () => new NetworkError('m', options),
  timeout: () => new TimeoutError('m', options),
  aborted: () => new AbortedError('m', options),
  server_error: () => new ServerError('m', options),
  unexpected_response: () => new UnexpectedResponseError('m', options),
}

const CLASS_BY_CODE: Record<AuthErrorCode, string> = {
  config_invalid: 'ConfigError',
  invalid_credentials: 'InvalidCredentialsError',
  mfa_required: 'MfaRequiredError',
  otp_invalid: 'OTPInvalidError',
  oauth2_state_invalid: 'OAuth2StateInvalidError',
  oauth2_failed: 'OAuth2FailedError',
  not_authenticated: 'NotAuthenticatedError',
  token_expired: 'TokenExpiredError',
  token_not_refreshable: 'TokenNotRefreshableError',
  refresh_failed: 'RefreshFailedError',
  forbidden: 'ForbiddenError',
  not_found: 'NotFoundError',
  validation_failed: 'ValidationError',
  rate_limited: 'RateLimitedError',
  network: 'NetworkError',
  timeout: 'TimeoutError',
  aborted: 'AbortedError',
  server_error: 'ServerError',
  unexpected_response: 'UnexpectedResponseError',
}

/** The codes as written in src/errors/codes.ts, so a new code without a class fails even without tsc. */
function codesInSource(): string[] {
  const source = readFileSync(new URL('../../src/errors/codes.ts', import.meta.url), 'utf8')
  return [...source.matchAll(/\|\s*'([a-z0-9_]+)'/g)].map((match) => match[1]!)
}

const codes = Object.keys(FACTORIES) as AuthErrorCode[]

describe('error taxonomy', () => {
  it('has a factory for exactly the codes declared in codes.ts', () => {
    expect([...codesInSource()].sort()).toEqual([...codes].sort())
  })

  it.each(codes)('%s: class is exported, sets code and name, extends AuthError and Error', (code) => {
    const error = FACTORIES[code]()
    const className = CLASS_BY_CODE[code]
    const exported = (api as Record<string, unknown>)[className]
    expect(exported).toBeTypeOf('function')
    expect(error).toBeInstanceOf(exported as new (...args: never[]) => unknown)
    expect(error).toBeInstanceOf(AuthError)
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe(code)
    expect(error.name).toBe(className)
    expect(error.stack).toContain(className)
    expect(isAuthError(error)).toBe(true)
  })

  it.each(codes.filter((code) => code !== 'config_invalid'))('%s keeps cause and status', (code) => {
    const error = FACTORIES[code]()
    expect(error.cause).toBe(options.cause)
    expect(error.status).toBe(400)
  })

  it('omits cause and status when none was given', () => {
    const error = new NetworkError('offline')
    expect('cause' in error).toBe(false)
    expect(error.status).toBeUndefined()
    expect(error.toJSON()).toEqual({ name: 'NetworkError', code: 'network', message: 'offline' })
  })

  it.each(codes.filter((code) => code !== 'config_invalid'))(
    '%s: the exchange is readable but never enumerated, serialised or inspected (not even showHidden)',
    (code) => {
      const error = FACTORIES[code]()
      expect(error.exchange).toBe(exchange)
      expect(Object.keys(error)).not.toContain('exchange')
      expect(Object.getOwnPropertyNames(error)).not.toContain('exchange')
      const serialised = JSON.stringify(error)
      const inspected = inspect(error, { depth: 10 })
      const hidden = inspect(error, { depth: 10, showHidden: true })
      const wrapped = inspect(new RefreshFailedError('outer', { cause: error }), {
        depth: 10,
        showHidden: true,
      })
      for (const text of [serialised, inspected, hidden, wrapped, JSON.stringify({ ...error })]) {
        expect(text).not.toContain(SECRET_TOKEN)
        expect(text).not.toContain('hunter2-secret')
      }
    },
  )

  it.each(codes)('%s: toJSON() has name, code, message and no body or token', (code) => {
    const json = FACTORIES[code]().toJSON()
    expect(json).toMatchObject({ name: CLASS_BY_CODE[code], code })
    expect(json).not.toHaveProperty('exchange')
    expect(json).not.toHaveProperty('body')
    expect(json).not.toHaveProperty('cause')
    expect(JSON.stringify(json)).not.toContain(SECRET_TOKEN)
  })

  it('toJSON() carries the secret-free details of each family', () => {
    expect(FACTORIES.mfa_required().toJSON()).toMatchObject({
      mfaId: 'kq6dthldmghvm1t',
      firstFactor: 'password',
      expiresAt: 1_800_000_000_000,
      status: 400,
    })
    expect(FACTORIES.rate_limited().toJSON()).toMatchObject({ retryAfterMs: 1500 })
    expect(FACTORIES.validation_failed().toJSON()).toMatchObject({
      fieldErrors: { password: { code: 'validation_required', message: 'Cannot be blank.' } },
    })
    expect(FACTORIES.invalid_credentials().toJSON()).toMatchObject({ reason: 'credentials' })
    expect(FACTORIES.oauth2_failed().toJSON()).toMatchObject({ providerError: 'access_denied' })
    expect(FACTORIES.config_invalid().toJSON()).toMatchObject({
      issues: [{ path: 'url', message: 'is required' }],
    })
  })

  it('ConfigError lists every issue in its message', () => {
    const error = new ConfigError(
      [
        { path: 'url', message: 'is required' },
        { path: 'timeoutMs', message: 'must be an integer' },
      ],
      'Invalid AuthClient options',
    )
    expect(error.message).toBe('Invalid AuthClient options: url: is required; timeoutMs: must be an integer')
    expect(error.issues).toHaveLength(2)
  })
})

describe('isAuthError across bundles', () => {
  const brand = Symbol.for('pocketbase-auth.AuthError')

  it('accepts an error from another copy of the package (branded prototype, string code)', () => {
    class OtherCopyError extends Error {
      readonly code = 'network'
    }
    Object.defineProperty(OtherCopyError.prototype, brand, { value: true })
    const foreign = new OtherCopyError('from another bundle')
    expect(foreign).not.toBeInstanceOf(AuthError)
    expect(isAuthError(foreign)).toBe(true)
  })

  it('accepts a branded plain object built on a prototype', () => {
    const proto = { [brand]: true }
    expect(isAuthError(Object.assign(Object.create(proto) as object, { code: 'timeout' }))).toBe(true)
  })

  it.each([
    ['a plain Error', new Error('x')],
    ['an Error with a code but no brand', Object.assign(new Error('x'), { code: 'network' })],
    [
      'a branded object without a string code',
      Object.assign(Object.create({ [brand]: true }) as object, { code: 1 }),
    ],
    [
      'a brand that is not exactly true',
      Object.assign(Object.create({ [brand]: 'yes' }) as object, { code: 'x' }),
    ],
    ['a lookalike under a local symbol', { [Symbol('pocketbase-auth.AuthError')]: true, code: 'network' }],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'network'],
  ])('rejects %s', (_label, value) => {
    expect(isAuthError(value)).toBe(false)
  })
})
