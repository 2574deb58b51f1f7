import { afterEach, describe, expect, it } from 'vitest'
import { createTokenVerifier, type TokenVerifierOptions } from '../../src/server/node.js'
import { json } from '../hardening/fake-fetch.js'
import { makeJwt } from '../helpers/factories.js'
import { rejectionOf } from '../helpers/rejection.js'
import { fakePocketBase, type FakePocketBase } from './helpers/fake-pocketbase.js'

const START = Date.parse('2026-12-01T12:00:00Z')
let clock = START
let pb: FakePocketBase

function verifierFor(options: Partial<TokenVerifierOptions> = {}) {
  pb = fakePocketBase(() => clock)
  return createTokenVerifier({ url: 'http://pb.test', fetch: pb.fetch, now: () => clock, ...options })
}

afterEach(() => {
  clock = START
})

describe('local checks (no request)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
  ])('refuses %s as token_missing', async (_, token) => {
    const verifier = verifierFor()
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'not_authenticated',
      reason: 'token_missing',
    })
    expect(pb.requests).toHaveLength(0)
  })

  it.each([
    ['garbage', 'not a token'],
    ['two parts', 'abc.def'],
    ['a bad payload', 'eyJhbGciOiJIUzI1NiJ9.!!!.sig'],
    ['a file token', makeJwt({ type: 'file' })],
    ['a verification token', makeJwt({ type: 'verification' })],
    ['alg none', makeJwt().replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url'))],
    ['an id that is not a plain id', makeJwt({ id: '../../x' })],
    ['a collectionId that is not a plain id', makeJwt({ collectionId: 'users/../x' })],
    ['a huge token', `${makeJwt()}${'a'.repeat(5000)}`],
    ['a signature shorter than HMAC-SHA256', makeJwt().replace(/[^.]+$/, 'c2lnbmF0dXJl')],
    ['a signature longer than HMAC-SHA256', `${makeJwt()}A`],
  ])('refuses %s as token_invalid', async (_, token) => {
    const verifier = verifierFor()
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'not_authenticated',
      reason: 'token_invalid',
    })
    expect(pb.requests).toHaveLength(0)
  })

  it('refuses a token past exp + leeway as token_expired, and sends one inside the leeway to PocketBase', async () => {
    const verifier = verifierFor({ leewaySeconds: 5 })
    const old = pb.issue({}, { exp: Math.floor(clock / 1000) - 6 })
    await expect(verifier.verify(old)).rejects.toMatchObject({ code: 'token_expired' })
    expect(pb.requests).toHaveLength(0)
    const recent = pb.issue({}, { exp: Math.floor(clock / 1000) - 2 })
    await expect(verifier.verify(recent)).resolves.toMatchObject({ recordId: 'record1234567ab' })
    expect(pb.refreshes()).toBe(1)
  })

  it('refuses _superusers tokens without a request unless _superusers is named', async () => {
    const superuser = { id: 'su1234567890abc', collectionId: 'pbc_3142635823', collectionName: '_superusers' }
    const verifier = verifierFor()
    const token = pb.issue(superuser)
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'forbidden',
      reason: 'collection_not_allowed',
    })
    expect(pb.requests).toHaveLength(0)

    const allowing = createTokenVerifier({
      url: 'http://pb.test',
      fetch: pb.fetch,
      now: () => clock,
      collections: ['users', '_superusers'],
    })
    await expect(allowing.verify(token)).resolves.toMatchObject({
      superuser: true,
      collectionName: '_superusers',
    })
  })
})

describe('confirmation by PocketBase', () => {
  it('asks auth-refresh of the token’s own collection, without the refreshed token, and builds a frozen identity', async () => {
    const verifier = verifierFor({ roleField: 'rank', gateSecret: 'g'.repeat(32) })
    const token = pb.issue(
      { rank: 'moderator', nested: { tags: ['a'] } },
      { exp: Math.floor(clock / 1000) + 600 },
    )
    const identity = await verifier.verify(token)

    expect(identity).toEqual({
      record: expect.objectContaining({ id: 'record1234567ab', rank: 'moderator' }),
      recordId: 'record1234567ab',
      collectionId: '_pb_users_auth_',
      collectionName: 'users',
      expiresAt: (Math.floor(clock / 1000) + 600) * 1000,
      superuser: false,
      role: 'moderator',
      refreshable: true,
    })
    expect(
      Object.isFrozen(identity) &&
        Object.isFrozen(identity.record) &&
        Object.isFrozen(identity.record.nested),
    ).toBe(true)
    const [request] = pb.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/api/collections/_pb_users_auth_/auth-refresh')
    expect(request?.url.searchParams.get('fields')).toBe('record')
    expect(request?.headers.get('authorization')).toBe(token)
    expect(request?.headers.get('x-pocketbase-auth-gate')).toBe('g'.repeat(32))
  })

  it('role is null when the field is missing, empty or not a string', async () => {
    const verifier = verifierFor()
    for (const role of [undefined, '', 3]) {
      const token = pb.issue(role === undefined ? {} : { role })
      expect((await verifier.verify(token)).role).toBeNull()
    }
  })

  it('401 is token_revoked (or token_expired when exp is within the leeway), remembered for rejectionTtlSeconds', async () => {
    const verifier = verifierFor({ rejectionTtlSeconds: 10 })
    const token = pb.issue()
    pb.setState(token, 'revoked')
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'not_authenticated',
      reason: 'token_revoked',
      status: 401,
    })
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'token_revoked' })
    expect(pb.refreshes()).toBe(1)
    clock += 10_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'token_revoked' })
    expect(pb.refreshes()).toBe(2)

    const expiring = pb.issue({}, { exp: Math.floor(clock / 1000) + 2 })
    pb.setState(expiring, 'revoked')
    await expect(verifier.verify(expiring)).rejects.toMatchObject({ code: 'token_expired' })
  })

  it('403 from auth-refresh is forbidden with reason auth_rule_failed', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    pb.setState(token, 'auth_rule_failed')
    await expect(verifier.verify(token)).rejects.toMatchObject({
      code: 'forbidden',
      reason: 'auth_rule_failed',
    })
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'auth_rule_failed' })
    expect(pb.refreshes()).toBe(1)
  })

  it('a 404 for the token’s collection is token_invalid; any other 404 is unexpected_response', async () => {
    const verifier = verifierFor()
    pb.answerNext(() =>
      json({ data: {}, message: 'Missing or invalid collection context.', status: 404 }, 404),
    )
    await expect(verifier.verify(pb.issue({ id: 'a23456789012345' }))).rejects.toMatchObject({
      reason: 'token_invalid',
    })
    pb.answerNext(() => json({ data: {}, message: 'File not found.', status: 404 }, 404))
    await expect(verifier.verify(pb.issue({ id: 'b23456789012345' }))).rejects.toMatchObject({
      code: 'not_found',
    })
  })

  it('never accepts a record that is not the token’s own, and never caches that answer', async () => {
    const verifier = verifierFor()
    const token = pb.issue({ id: 'alice1234567890' })
    pb.answerNext(() =>
      json({ record: { id: 'mallory12345678', collectionId: '_pb_users_auth_', collectionName: 'users' } }),
    )
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unexpected_response' })
    pb.answerNext(() => json({ token: 'x' }))
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'unexpected_response' })
    await expect(verifier.verify(token)).resolves.toMatchObject({ recordId: 'alice1234567890' })
    expect(pb.refreshes()).toBe(3)
  })

  it.each([
    ['a 5xx', () => json({ data: {}, message: 'boom', status: 500 }, 500), 'server_error'],
    ['a 429', () => json({ data: {}, message: 'Too Many Requests.', status: 429 }, 429), 'rate_limited'],
    ['a dropped connection', () => Promise.reject(new TypeError('fetch failed')), 'network'],
    ['a non-JSON 401', () => new Response('<html>', { status: 401 }), 'unexpected_response'],
  ])('%s fails closed and is never cached', async (_, answer, code) => {
    const verifier = verifierFor()
    const token = pb.issue()
    pb.answerNext(answer)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code })
    await expect(verifier.verify(token)).resolves.toMatchObject({ recordId: 'record1234567ab' })
    expect(pb.refreshes()).toBe(2)
  })

  it('a response slower than timeoutMs fails with timeout', async () => {
    const verifier = verifierFor({ timeoutMs: 20 })
    pb.answerNext(() => new Promise<Response>(() => undefined))
    await expect(verifier.verify(pb.issue())).rejects.toMatchObject({ code: 'timeout' })
  })

  it('a collection PocketBase names as not allowed is refused, and its later tokens without a request', async () => {
    const verifier = verifierFor({ collections: ['users'] })
    const staff = { collectionId: 'pbc_staff000001', collectionName: 'staff' }
    await expect(verifier.verify(pb.issue({ ...staff, id: 'staff1234567890' }))).rejects.toMatchObject({
      code: 'forbidden',
      reason: 'collection_not_allowed',
    })
    expect(pb.refreshes()).toBe(1)
    await expect(verifier.verify(pb.issue({ ...staff, id: 'staff2234567890' }))).rejects.toMatchObject({
      reason: 'collection_not_allowed',
    })
    expect(pb.refreshes()).toBe(1)
    const byId = createTokenVerifier({
      url: 'http://pb.test',
      fetch: pb.fetch,
      now: () => clock,
      collections: ['pbc_staff000001'],
    })
    await expect(byId.verify(pb.issue({ ...staff, id: 'staff3234567890' }))).resolves.toMatchObject({
      collectionName: 'staff',
    })
  })

  it('PocketBase < 0.29: a non-refreshable token answered 403 "not refreshable" is confirmed by reading its record', async () => {
    const verifier = verifierFor()
    pb.legacy = true
    const token = pb.issue({ role: 'admin' }, { refreshable: false })
    await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'admin', refreshable: false })
    expect(pb.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /api/collections/_pb_users_auth_/auth-refresh',
      'GET /api/collections/_pb_users_auth_/records/record1234567ab',
    ])

    const hidden = pb.issue({ id: 'hidden123456789' }, { refreshable: false })
    pb.answerNext(() => json({ data: {}, message: 'Not refreshable', status: 403 }, 403))
    await expect(verifier.verify(hidden)).rejects.toMatchObject({
      code: 'forbidden',
      reason: 'auth_rule_failed',
    })
    const unreadable = pb.issue({ id: 'unread123456789' }, { refreshable: false })
    pb.answerNext(() =>
      json({ data: {}, message: 'The current auth token is not refreshable.', status: 403 }, 403),
    )
    pb.answerNext(() => json({ data: {}, message: "The requested resource wasn't found.", status: 404 }, 404))
    const error = await rejectionOf(verifier.verify(unreadable))
    expect(error).toMatchObject({ code: 'forbidden' })
    expect(String((error as Error).message)).toContain('viewRule')
  })
})
