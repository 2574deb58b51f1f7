import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { UnexpectedResponseError } from '../../src/index.js'
import type { AuthResponseBody } from '../../src/session/auth-response.js'
import { parseAuthResponse } from '../../src/session/auth-response.js'
import { buildSession } from '../../src/session/build-session.js'
import { makeAuthResponse, makeJwt } from '../helpers/factories.js'

const exchange = { method: 'POST', path: '/api/collections/users/auth-with-password', status: 200 }
const EXP = 1_795_745_761

function build(body: AuthResponseBody, clockOffsetMs = 0, receivedAt = 1_795_700_000_000) {
  return buildSession({ body, clockOffsetMs, receivedAt, exchange })
}

const validBody = (): AuthResponseBody => parseAuthResponse(makeAuthResponse({ claims: { exp: EXP } }))!

describe('buildSession', () => {
  it('builds a frozen session from the token claims and the record', () => {
    const body = validBody()
    const session = build(body)
    expect(session).toEqual({
      token: body.token,
      record: body.record,
      collectionId: '_pb_users_auth_',
      collectionName: 'users',
      recordId: 'record1234567ab',
      expiresAt: EXP * 1000,
      issuedAt: 1_795_700_000_000,
      refreshable: true,
    })
    expect(Object.isFrozen(session)).toBe(true)
    expect(Object.isFrozen(session.record)).toBe(true)
  })

  it('freezes the record it was given (parsed for this response alone), so nothing can change it later', () => {
    const body = validBody()
    const session = build(body)
    expect(() => {
      ;(body.record as Record<string, unknown>).name = 'Mallory'
    }).toThrow(TypeError)
    expect(session.record.name).toBe('Alice')
    expect(Object.isFrozen(session.record)).toBe(true)
  })

  it('subtracts the server clock offset from exp and keeps receivedAt as issuedAt', () => {
    const session = build(validBody(), 600_999, 42)
    expect(session.expiresAt).toBe(EXP * 1000 - 600_999)
    expect(session.issuedAt).toBe(42)
  })

  it('marks impersonation tokens as not refreshable', () => {
    const body = parseAuthResponse(makeAuthResponse({ claims: { refreshable: false } }))!
    expect(build(body).refreshable).toBe(false)
  })

  it.each([
    ['not a JWT', 'definitely-not-a-jwt.but.close'],
    ['a file token', makeJwt({ type: 'file' })],
  ])('rejects a token that is %s, without quoting it', (_label, token) => {
    const body = { ...validBody(), token }
    const error = (() => {
      try {
        build(body)
      } catch (caught) {
        return caught
      }
      throw new Error('expected buildSession to throw')
    })()
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    const { message } = error as UnexpectedResponseError
    expect(message).toContain('not a PocketBase auth token')
    expect(message).toContain(exchange.path)
    expect(`${message} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain(token)
  })

  it.each([
    ['another record id', { id: 'someoneelse0001' }],
    ['another collection', { collectionId: 'pbc_3142635823' }],
  ])('rejects a token that belongs to %s', (_label, claims) => {
    const body = { ...validBody(), token: makeJwt({ ...claims, exp: EXP }) }
    expect(() => build(body)).toThrow(/does not belong to the returned record/)
  })
})
