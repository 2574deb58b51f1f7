import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isAuthError } from '../../src/index.js'
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

describe('caching', () => {
  it('answers from memory until cacheTtlSeconds, then asks again and sees the change', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 30 })
    const token = pb.issue({ role: 'user' })
    await verifier.verify(token)
    pb.setRecord(token, { role: 'admin' })
    clock += 29_000
    expect((await verifier.verify(token)).role).toBe('user')
    expect(pb.refreshes()).toBe(1)
    clock += 1_000
    expect((await verifier.verify(token)).role).toBe('admin')
    pb.setState(token, 'revoked')
    clock += 30_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'token_revoked' })
    expect(pb.refreshes()).toBe(3)
    expect(verifier.stats()).toMatchObject({ cacheHits: 1, confirmations: 3 })
  })

  it('never keeps an identity past the token’s exp', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 3600, leewaySeconds: 0 })
    const token = pb.issue({}, { exp: Math.floor(clock / 1000) + 10 })
    await verifier.verify(token)
    clock += 10_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_expired' })
    expect(pb.refreshes()).toBe(1)
  })

  it('cacheTtlSeconds 0 asks every time', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 0 })
    const token = pb.issue()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(2)
  })

  it('holds at most maxEntries identities, dropping the least recently used', async () => {
    const verifier = verifierFor({ maxEntries: 2 })
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => pb.issue({ id: `${letter}23456789012345` })) as [
      string,
      string,
      string,
    ]
    await verifier.verify(a)
    await verifier.verify(b)
    await verifier.verify(a) // a is now the most recently used
    await verifier.verify(c) // evicts b
    expect(verifier.stats().cachedIdentities).toBe(2)
    await verifier.verify(a)
    expect(pb.refreshes()).toBe(3)
    await verifier.verify(b)
    expect(pb.refreshes()).toBe(4)
  })

  it('concurrent checks of one token share one request and get the same identity', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    const identities = await Promise.all(Array.from({ length: 200 }, () => verifier.verify(token)))
    expect(pb.refreshes()).toBe(1)
    expect(new Set(identities).size).toBe(1)
    expect(verifier.stats().inFlight).toBe(0)
  })

  it('concurrent checks of one rejected token share one request', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    pb.setState(token, 'revoked')
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => verifier.verify(token)))
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(pb.refreshes()).toBe(1)
  })

  it('forget() and clear() drop what is remembered, and an answer to a forgotten request is not cached', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    await verifier.verify(token)
    verifier.forget(token)
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(2)
    verifier.clear()
    const pending = verifier.verify(token)
    verifier.forget(token)
    await pending
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(4)
    expect(verifier.stats()).toMatchObject({ cachedIdentities: 1, cachedRejections: 0, inFlight: 0 })
  })

  it('a caller’s signal stops its own wait only; the shared answer is still cached', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    const controller = new AbortController()
    const mine = verifier.verify(token, { signal: controller.signal })
    const theirs = verifier.verify(token)
    controller.abort()
    await expect(mine).rejects.toMatchObject({ code: 'aborted' })
    await expect(theirs).resolves.toMatchObject({ recordId: 'record1234567ab' })
    // An answer in memory needs no wait: it is returned even to an aborted signal.
    await expect(verifier.verify(token, { signal: AbortSignal.abort() })).resolves.toMatchObject({
      recordId: 'record1234567ab',
    })
    expect(pb.refreshes()).toBe(1)
    await expect(
      verifier.verify(pb.issue({ id: 'other1234567890' }), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('secrets', () => {
  it('no error, log line or stats output contains the token', async () => {
    const lines: string[] = []
    const log = (message: string, context?: object): void =>
      void lines.push(message + JSON.stringify(context))
    const verifier = verifierFor({ logger: { debug: log, info: log, warn: log, error: log } })
    const tokens = [
      pb.issue({ id: 'ok1234567890123' }),
      pb.issue({ id: 'rev123456789012' }),
      pb.issue({ id: 'down12345678901' }),
    ]
    pb.setState(tokens[1]!, 'revoked')
    await verifier.verify(tokens[0])
    const errors: unknown[] = [await rejectionOf(verifier.verify(tokens[1]))]
    pb.answerNext(() => Promise.reject(new TypeError('fetch failed')))
    errors.push(await rejectionOf(verifier.verify(tokens[2])))
    errors.push(await rejectionOf(verifier.verify(`${tokens[0]}x`.replace('.', '!'))))
    expect(lines.length).toBeGreaterThan(0)
    const dumps = [
      ...lines,
      JSON.stringify(verifier.stats()),
      ...errors.flatMap((error) => [
        JSON.stringify(error),
        inspect(error, { showHidden: true, depth: 10 }),
        String((error as Error).stack),
      ]),
    ]
    expect(errors.every(isAuthError)).toBe(true)
    for (const token of tokens) {
      const signature = token.split('.')[1]!
      for (const dump of dumps) expect(dump).not.toContain(signature)
    }
  })
})

describe('options', () => {
  it('names every bad option, never its value', () => {
    const error = rejectionOfSync(() =>
      createTokenVerifier({
        url: 'ftp://secret-host',
        collections: [],
        cacheTtlSeconds: -1,
        maxEntries: 1.5,
        roleField: 'no spaces',
        gateSecret: 'short-secret-value',
        extra: 1,
      } as unknown as TokenVerifierOptions),
    )
    expect(error).toMatchObject({ code: 'config_invalid' })
    const paths = (error as { issues: { path: string }[] }).issues.map((issue) => issue.path).sort()
    expect(paths).toEqual([
      'cacheTtlSeconds',
      'collections',
      'extra',
      'gateSecret',
      'maxEntries',
      'roleField',
      'url',
    ])
    expect(JSON.stringify(error)).not.toMatch(/secret-host|short-secret-value/)
  })
})

function rejectionOfSync(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}
