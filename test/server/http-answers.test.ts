import { describe, expect, it } from 'vitest'
import {
  ConfigError,
  NetworkError,
  NotAuthenticatedError,
  RateLimitedError,
  ServerError,
  TimeoutError,
  TokenExpiredError,
  UnexpectedResponseError,
} from '../../src/index.js'
import {
  AccessDeniedError,
  describeProblem,
  problemResponse,
  tokenFromAuthorization,
} from '../../src/server/node.js'

describe('tokenFromAuthorization', () => {
  it.each([
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['   ', undefined],
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer   abc.def.ghi  ', 'abc.def.ghi'],
    ['BEARER abc.def.ghi', 'abc.def.ghi'],
    ['abc.def.ghi', 'abc.def.ghi'],
    ['Basic dXNlcjpwYXNz', 'Basic dXNlcjpwYXNz'],
    ['Bearer', 'Bearer'],
    ['Bearer a b', 'Bearer a b'],
  ])('%j -> %j', (header, token) => {
    expect(tokenFromAuthorization(header)).toBe(token)
  })
})

describe('describeProblem / problemResponse', () => {
  const headersOf = (error: unknown): Record<string, string> => ({ ...describeProblem(error).headers })

  it('401 token_missing: a bare Bearer challenge (RFC 6750 3.1: no error code without credentials)', () => {
    const problem = describeProblem(new NotAuthenticatedError('x', { reason: 'token_missing' }))
    expect(problem.status).toBe(401)
    expect(problem.headers['WWW-Authenticate']).toBe('Bearer')
    expect(problem.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'The request carries no access token.',
      code: 'not_authenticated',
      reason: 'token_missing',
    })
  })

  it.each([
    [new NotAuthenticatedError('x', { reason: 'token_invalid' }), 'not_authenticated', 'token_invalid'],
    [new NotAuthenticatedError('x', { reason: 'token_revoked' }), 'not_authenticated', 'token_revoked'],
    [new TokenExpiredError('x'), 'token_expired', undefined],
  ])('401 with error="invalid_token" for %s', (error, code, reason) => {
    const problem = describeProblem(error)
    expect(problem.status).toBe(401)
    expect(problem.headers['WWW-Authenticate']).toMatch(
      /^Bearer error="invalid_token", error_description="[^"]+"$/,
    )
    expect(problem.body).toMatchObject({ code, ...(reason === undefined ? {} : { reason }) })
  })

  it('403 carries the reason and no challenge', () => {
    const problem = describeProblem(new AccessDeniedError('x', 'insufficient_role'))
    expect(problem).toMatchObject({
      status: 403,
      body: { code: 'forbidden', reason: 'insufficient_role', title: 'Forbidden' },
    })
    expect(problem.headers['WWW-Authenticate']).toBeUndefined()
  })

  it('503 with Retry-After when PocketBase cannot answer; a 429 uses its Retry-After or 10 s', () => {
    for (const error of [
      new NetworkError('x'),
      new TimeoutError('x'),
      new ServerError('x'),
      new UnexpectedResponseError('x'),
    ]) {
      expect(describeProblem(error)).toMatchObject({ status: 503, body: { code: error.code } })
      expect(headersOf(error)['Retry-After']).toBe('5')
    }
    expect(headersOf(new RateLimitedError('x', undefined))['Retry-After']).toBe('10')
    expect(headersOf(new RateLimitedError('x', 2_500))['Retry-After']).toBe('3')
    expect(describeProblem(new RateLimitedError('x', undefined)).body.detail).toMatch(/busy/)
  })

  it('500 for a configuration error or anything that is not an AuthError', () => {
    expect(describeProblem(new ConfigError([{ path: 'minRole', message: 'bad' }]))).toMatchObject({
      status: 500,
      body: { code: 'config_invalid' },
    })
    expect(describeProblem(new Error('db down: password=hunter2'))).toMatchObject({
      status: 500,
      body: { code: 'internal_error' },
    })
    expect(JSON.stringify(describeProblem(new Error('password=hunter2')))).not.toContain('hunter2')
  })

  it('never copies the error message (which names PocketBase paths) into the body', () => {
    const error = new NotAuthenticatedError('POST /api/collections/staff/auth-refresh (401): rejected', {
      reason: 'token_revoked',
    })
    expect(JSON.stringify(describeProblem(error))).not.toMatch(/api\/collections|staff/)
  })

  it('problemResponse is a Web Response with application/problem+json and no-store', async () => {
    const response = problemResponse(new TokenExpiredError('x'))
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect(await response.json()).toMatchObject({ status: 401, code: 'token_expired' })
  })
})
