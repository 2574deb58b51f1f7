import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { UnexpectedResponseError } from '../../src/index.js'
import { readAuthTokenClaims } from '../../src/session/claims.js'
import { makeJwt } from '../helpers/factories.js'

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwtWithPayload = (payload: unknown): string =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2ln`

describe('readAuthTokenClaims', () => {
  it('reads a PocketBase login token', () => {
    const token = makeJwt({ id: 't5hihaotj1soa0u', collectionId: '_pb_users_auth_', exp: 1_795_745_761 })
    expect(readAuthTokenClaims(token)).toEqual({
      id: 't5hihaotj1soa0u',
      collectionId: '_pb_users_auth_',
      exp: 1_795_745_761,
      refreshable: true,
    })
  })

  it('reads an impersonation token as not refreshable', () => {
    expect(readAuthTokenClaims(makeJwt({ refreshable: false }))?.refreshable).toBe(false)
  })

  it('treats a token without the refreshable claim (older PocketBase) as refreshable', () => {
    const token = jwtWithPayload({ collectionId: 'c1', exp: 1_795_745_761, id: 'r1', type: 'auth' })
    expect(readAuthTokenClaims(token)).toEqual({
      id: 'r1',
      collectionId: 'c1',
      exp: 1_795_745_761,
      refreshable: true,
    })
  })

  it('decodes UTF-8 claims, whatever base64url characters the payload has', () => {
    const id = 'rëcord~>?'
    const token = jwtWithPayload({ collectionId: 'c1', exp: 1_795_745_761, id, type: 'auth' })
    expect(token.split('.')[1]).toMatch(/[-_]/)
    expect(readAuthTokenClaims(token)?.id).toBe(id)
  })

  it('rejects a payload that is not valid UTF-8, instead of reading replacement characters', () => {
    const json = Buffer.from('{"collectionId":"c1","exp":1795745761,"id":"r\u00ff1","type":"auth"}', 'latin1')
    const token = `${makeJwt().split('.')[0]}.${json.toString('base64url')}.sig`
    expect(readAuthTokenClaims(token)).toBeUndefined()
  })

  it('ignores claims it does not need', () => {
    expect(readAuthTokenClaims(makeJwt({ email: 'alice@example.com', iat: 1 }))).toBeDefined()
  })

  it.each([
    ['a file token', jwtWithPayload({ collectionId: 'c1', exp: 1_795_745_761, id: 'r1', type: 'file' })],
    ['a verification token', makeJwt({ type: 'verification', email: 'alice@example.com' })],
    ['a password-reset token', makeJwt({ type: 'passwordReset', email: 'alice@example.com' })],
    ['an email-change token', makeJwt({ type: 'emailChange', newEmail: 'new@example.com' })],
    ['a token without type', jwtWithPayload({ collectionId: 'c1', exp: 1_795_745_761, id: 'r1' })],
    ['a token without id', makeJwt({ id: '' })],
    ['a token without collectionId', jwtWithPayload({ exp: 1_795_745_761, id: 'r1', type: 'auth' })],
    ['a token without exp', jwtWithPayload({ collectionId: 'c1', id: 'r1', type: 'auth' })],
    ['a token with a string exp', makeJwt({ exp: '1795745761' as unknown as number })],
    ['a token with a negative exp', makeJwt({ exp: -1 })],
    ['a token with a string refreshable', makeJwt({ refreshable: 'true' as unknown as boolean })],
    ['garbage', 'not-a-jwt'],
    ['an empty string', ''],
    ['three parts that are not JSON', 'abc.def.ghi'],
    ['a payload that is JSON but not an object', jwtWithPayload([1, 2, 3])],
    ['two parts', makeJwt().split('.').slice(0, 2).join('.')],
    ['five parts (an encrypted JWT)', `${makeJwt()}.extra.parts`],
    ['a null payload', jwtWithPayload(null)],
    ['a payload that is a number', jwtWithPayload(42)],
  ])('rejects %s', (_label, token) => {
    expect(readAuthTokenClaims(token)).toBeUndefined()
  })
})

describe('readAuthTokenClaims with the exchange: names the claim that failed', () => {
  const exchange = {
    method: 'POST',
    path: '/api/collections/users/auth-refresh',
    url: 'https://pb.example.com/api/collections/users/auth-refresh',
    status: 200,
  }
  const where = 'POST https://pb.example.com/api/collections/users/auth-refresh'

  it('returns the claims of a good token', () => {
    expect(readAuthTokenClaims(makeJwt({ refreshable: false }), exchange).refreshable).toBe(false)
  })

  it.each([
    ['type', makeJwt({ type: 'file' }), 'claim "type" must be "auth"'],
    ['id', makeJwt({ id: '' }), 'claim "id" must be a non-empty string'],
    [
      'collectionId',
      makeJwt({ collectionId: 42 as unknown as string }),
      'claim "collectionId" must be a non-empty string',
    ],
    [
      'exp',
      makeJwt({ exp: '1795745761' as unknown as number }),
      'claim "exp" must be a positive number of seconds',
    ],
    ['exp', makeJwt({ exp: 1e300 }), 'claim "exp" must be a positive number of seconds'],
    [
      'refreshable',
      makeJwt({ refreshable: 'yes' as unknown as boolean }),
      'claim "refreshable" must be a boolean',
    ],
    ['token', 'not-a-jwt', 'it must be a signed JWT whose payload is a JSON object'],
    ['token', jwtWithPayload([1, 2]), 'it must be a signed JWT whose payload is a JSON object'],
    ['token', `${makeJwt()}.extra.parts`, 'it must be a signed JWT whose payload is a JSON object'],
  ])('%s: unexpected_response naming it, never quoting the token', (claim, token, problem) => {
    let caught: unknown
    try {
      readAuthTokenClaims(token, exchange)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(UnexpectedResponseError)
    const error = caught as UnexpectedResponseError
    expect(error.message).toContain(`${where}: the response token is not a PocketBase auth token: ${problem}`)
    expect(error.status).toBe(200)
    expect(error.issues).toEqual([
      { path: claim === 'token' ? 'token' : `token.${claim}`, message: expect.any(String) as string },
    ])
    const printed = `${error.message} ${JSON.stringify(error)} ${inspect(error, { showHidden: true, depth: 10 })}`
    expect(printed).not.toContain(token)
    for (const part of token.split('.')) if (part.length > 8) expect(printed).not.toContain(part)
  })
})
