import { describe, expect, it } from 'vitest'
import type { AuthError } from '../../src/errors/auth-error.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { MfaRequiredError } from '../../src/errors/mfa.js'
import { OAuth2FailedError, OAuth2StateInvalidError } from '../../src/errors/oauth2.js'
import {
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  OTPInvalidError,
  RateLimitedError,
  ServerError,
  UnexpectedResponseError,
  ValidationError,
} from '../../src/errors/protocol.js'
import {
  NotAuthenticatedError,
  RefreshFailedError,
  TokenExpiredError,
  TokenNotRefreshableError,
} from '../../src/errors/session-errors.js'
import { AbortedError, NetworkError, TimeoutError } from '../../src/errors/transport.js'
import type { AuthErrorCode } from '../../src/errors/codes.js'
import { isTransient, isUnreachable } from '../../src/lifecycle/failures.js'

/** One error of every code. */
const ERRORS: Record<AuthErrorCode, AuthError> = {
  config_invalid: new ConfigError([{ path: 'url', message: 'is required' }]),
  invalid_credentials: new InvalidCredentialsError('POST /x (400): Failed to authenticate.', 'credentials'),
  mfa_required: new MfaRequiredError('mfa-1', 'password', undefined),
  otp_invalid: new OTPInvalidError('POST /x (400): Invalid or expired OTP.'),
  oauth2_state_invalid: new OAuth2StateInvalidError('completeOAuth2: unknown state'),
  oauth2_failed: new OAuth2FailedError('POST /x (400): failed', undefined),
  not_authenticated: new NotAuthenticatedError('getToken: there is no session'),
  token_expired: new TokenExpiredError('POST /x (401): rejected'),
  token_not_refreshable: new TokenNotRefreshableError('authRefresh: not refreshable'),
  refresh_failed: new RefreshFailedError('getToken: the token expired and could not be refreshed'),
  forbidden: new ForbiddenError('POST /x (403): forbidden'),
  not_found: new NotFoundError('GET /x (404): not found'),
  validation_failed: new ValidationError('POST /x (400): invalid', {}),
  rate_limited: new RateLimitedError('POST /x (429): too many requests', undefined),
  network: new NetworkError('POST /x: network error (ECONNREFUSED)'),
  timeout: new TimeoutError('POST /x: no complete response within 30000 ms'),
  aborted: new AbortedError('POST /x: aborted by the caller'),
  server_error: new ServerError('POST /x (503): unavailable'),
  unexpected_response: new UnexpectedResponseError('POST /x: not an auth response'),
}

const TRANSIENT: AuthErrorCode[] = [
  'network',
  'timeout',
  'server_error',
  'rate_limited',
  'unexpected_response',
]
const UNREACHABLE: AuthErrorCode[] = ['network', 'timeout', 'server_error']
const codes = Object.keys(ERRORS) as AuthErrorCode[]

const refreshFailed = (cause?: unknown): RefreshFailedError =>
  new RefreshFailedError(
    'getToken: the token expired and could not be refreshed',
    cause === undefined ? {} : { cause },
  )

describe('isTransient: worth retrying by itself, keeping the session', () => {
  it('the fixture holds one error of each code', () => {
    for (const code of codes) expect(ERRORS[code].code).toBe(code)
  })

  it.each(codes)('%s', (code) => {
    expect(isTransient(ERRORS[code])).toBe(TRANSIENT.includes(code))
  })

  it.each(TRANSIENT)(
    'refresh_failed caused by %s is transient (a parent telling its children about an outage)',
    (code) => {
      expect(isTransient(refreshFailed(ERRORS[code]))).toBe(true)
    },
  )

  it.each(codes.filter((code) => !TRANSIENT.includes(code) && code !== 'refresh_failed'))(
    'refresh_failed caused by %s is not',
    (code) => {
      expect(isTransient(refreshFailed(ERRORS[code]))).toBe(false)
    },
  )

  it('refresh_failed without a cause, or caused by something that is not an AuthError, is not', () => {
    expect(isTransient(refreshFailed())).toBe(false)
    expect(isTransient(refreshFailed(new TypeError('fetch failed')))).toBe(false)
    expect(isTransient(refreshFailed('network'))).toBe(false)
  })

  it('looks through nested refresh_failed causes (a grandchild through its parent and grandparent)', () => {
    expect(isTransient(refreshFailed(refreshFailed(ERRORS.network)))).toBe(true)
    expect(isTransient(refreshFailed(refreshFailed(ERRORS.forbidden)))).toBe(false)
  })

  it('only refresh_failed looks at its cause', () => {
    const forbiddenCausedByNetwork = new ForbiddenError('POST /x (403): forbidden', { cause: ERRORS.network })
    expect(isTransient(forbiddenCausedByNetwork)).toBe(false)
  })
})

describe('isUnreachable: the server may be back, so an expired token is tried again at once', () => {
  it.each(codes)('%s', (code) => {
    expect(isUnreachable(ERRORS[code])).toBe(UNREACHABLE.includes(code))
  })

  it('a rate limit and a refresh that made no progress are waited out (transient, not unreachable)', () => {
    expect(isTransient(ERRORS.rate_limited) && !isUnreachable(ERRORS.rate_limited)).toBe(true)
    const noProgress = new UnexpectedResponseError(
      'authRefresh: the server returned a token that has already expired',
    )
    expect(isTransient(noProgress) && !isUnreachable(noProgress)).toBe(true)
  })

  it.each(UNREACHABLE)('refresh_failed caused by %s is unreachable', (code) => {
    expect(isUnreachable(refreshFailed(ERRORS[code]))).toBe(true)
  })

  it('refresh_failed caused by a rate limit, a refusal, nothing or a plain error is not', () => {
    expect(isUnreachable(refreshFailed(ERRORS.rate_limited))).toBe(false)
    expect(isUnreachable(refreshFailed(ERRORS.forbidden))).toBe(false)
    expect(isUnreachable(refreshFailed())).toBe(false)
    expect(isUnreachable(refreshFailed(new TypeError('fetch failed')))).toBe(false)
  })

  it('looks through nested refresh_failed causes', () => {
    expect(isUnreachable(refreshFailed(refreshFailed(ERRORS.timeout)))).toBe(true)
    expect(isUnreachable(refreshFailed(refreshFailed(ERRORS.rate_limited)))).toBe(false)
  })

  it('every unreachable failure is transient', () => {
    for (const code of codes) {
      const error = ERRORS[code]
      if (isUnreachable(error)) expect(isTransient(error)).toBe(true)
    }
  })
})
