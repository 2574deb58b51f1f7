/**
 * Every check of a response body names the field that failed and never its value (as oauth4webapi does), and a
 * record rejected by a schema carries every issue, not only the first.
 */
import { inspect } from 'node:util'
import * as z from 'zod/mini'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import {
  createAuthClient,
  createDbInterface,
  UnexpectedResponseError,
  type AuthClient,
  type ResponseIssue,
} from '../../src/index.js'
import { parseAuthResponse } from '../../src/session/auth-response.js'
import { readAuthMethods } from '../../src/flows/auth-methods.js'
import { makeAuthRecord, makeJwt } from '../helpers/factories.js'
import { rejectionOf } from '../helpers/rejection.js'
import { createFakeFetch, json, signInBody, type FakeRequest } from './fake-fetch.js'

const BASE = 'http://pb.test'
const SECRET = 'value-that-must-never-be-printed'
const clients: AuthClient[] = []
afterEach(() => {
  for (const auth of clients.splice(0)) auth.dispose()
})

function client(handler: (request: FakeRequest) => Response): AuthClient {
  const auth = createAuthClient({ url: BASE, fetch: createFakeFetch(handler).fetch, autoRefresh: false })
  clients.push(auth)
  return auth
}

function printed(error: unknown): string {
  return `${(error as Error).message} ${JSON.stringify(error)} ${inspect(error, { showHidden: true, depth: 10 })}`
}

const goodRecord = () => makeAuthRecord()

describe('auth responses', () => {
  const token = makeJwt()
  it.each([
    ['the body', SECRET, '', '"response" body must be a JSON object'],
    ['token', { token: 42, record: goodRecord() }, 'token', '"token" property must be a non-empty string'],
    ['record', { token, record: [SECRET] }, 'record', '"record" property must be a JSON object'],
    ['record.id', { token, record: { ...goodRecord(), id: '' } }, 'record.id', 'must be a non-empty string'],
    [
      'record.collectionId',
      { token, record: { ...goodRecord(), collectionId: { SECRET } } },
      'record.collectionId',
      'must be a non-empty string',
    ],
    [
      'record.collectionName',
      { token, record: { ...goodRecord(), collectionName: undefined } },
      'record.collectionName',
      'must be a non-empty string',
    ],
    ['record.email', { token, record: { ...goodRecord(), email: 7 } }, 'record.email', 'must be a string'],
    [
      'record.verified',
      { token, record: { ...goodRecord(), verified: 'yes' } },
      'record.verified',
      'must be a boolean',
    ],
    ['meta', { token, record: goodRecord(), meta: SECRET }, 'meta', 'must be a JSON object'],
  ])('%s', async (_label, body, field, expected) => {
    const error = await rejectionOf(client(() => json(body)).authWithPassword('alice@example.com', 'pw-1'))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain(
      `POST ${BASE}/api/collections/users/auth-with-password: "response" body`,
    )
    expect((error as Error).message).toContain(expected)
    expect((error as UnexpectedResponseError).issues).toEqual([
      { path: field === '' ? '(body)' : field, message: expect.stringMatching(/^must be /) as string },
    ])
    expect(printed(error)).not.toContain(SECRET)
    expect(printed(error)).not.toContain(token)
  })

  it('keeps every field of the record, expand included', () => {
    const record = { ...goodRecord(), expand: { org: { id: 'o1' } } }
    expect(parseAuthResponse({ token, record, meta: { isNew: true } })).toEqual({
      token,
      record,
      meta: { isNew: true },
    })
  })

  it('without an exchange, the message starts with the field', () => {
    expect(() => parseAuthResponse({ token: '' })).toThrow(/^"response" body "token" property must be/)
  })
})

describe('auth-methods', () => {
  const methods = () => ({
    password: { enabled: true, identityFields: ['email'] },
    oauth2: {
      enabled: true,
      providers: [
        {
          name: 'oidc',
          displayName: 'OIDC',
          state: 's',
          authURL: 'http://idp.test/auth?redirect_uri=',
          codeVerifier: 'v',
          codeChallenge: 'c',
          codeChallengeMethod: 'S256',
        },
      ],
    },
    mfa: { enabled: false, duration: 0 },
    otp: { enabled: true, duration: 180 },
  })

  it('reads a good body with explicit fields, defaulting displayName to name', () => {
    const body = methods()
    const provider: Record<string, unknown> = { ...body.oauth2.providers[0] }
    delete provider.displayName
    const read = readAuthMethods({
      ...body,
      oauth2: { enabled: true, providers: [provider] },
      authProviders: [],
      usernamePassword: true,
    })
    expect(read).toEqual({
      password: { enabled: true, identityFields: ['email'] },
      oauth2: { enabled: true, providers: [{ ...body.oauth2.providers[0], displayName: 'oidc' }] },
      mfa: { enabled: false, durationSeconds: 0, duration: 0 },
      otp: { enabled: true, durationSeconds: 180, duration: 180 },
    })
  })

  it.each([
    [
      'password.enabled',
      (m: ReturnType<typeof methods>) => ({ ...m, password: { ...m.password, enabled: SECRET } }),
    ],
    [
      'password.identityFields.1',
      (m: ReturnType<typeof methods>) => ({
        ...m,
        password: { enabled: true, identityFields: ['email', 3] },
      }),
    ],
    ['oauth2', (m: ReturnType<typeof methods>) => ({ ...m, oauth2: SECRET })],
    [
      'oauth2.providers',
      (m: ReturnType<typeof methods>) => ({ ...m, oauth2: { enabled: true, providers: {} } }),
    ],
    [
      'oauth2.providers.0.name',
      (m: ReturnType<typeof methods>) => ({
        ...m,
        oauth2: { enabled: true, providers: [{ ...m.oauth2.providers[0], name: '' }] },
      }),
    ],
    [
      'oauth2.providers.0.codeVerifier',
      (m: ReturnType<typeof methods>) => ({
        ...m,
        oauth2: { enabled: true, providers: [{ ...m.oauth2.providers[0], codeVerifier: 1 }] },
      }),
    ],
    [
      'oauth2.providers.0.displayName',
      (m: ReturnType<typeof methods>) => ({
        ...m,
        oauth2: { enabled: true, providers: [{ ...m.oauth2.providers[0], displayName: null }] },
      }),
    ],
    ['mfa.duration', (m: ReturnType<typeof methods>) => ({ ...m, mfa: { enabled: true, duration: -1 } })],
    ['otp.enabled', (m: ReturnType<typeof methods>) => ({ ...m, otp: { duration: 1 } })],
  ])('names %s', async (field, mutate) => {
    const error = await rejectionOf(client(() => json(mutate(methods()))).listAuthMethods())
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toContain(
      `GET ${BASE}/api/collections/users/auth-methods: "response" body "${field}" property must be`,
    )
    expect((error as UnexpectedResponseError).issues.map((issue) => issue.path)).toEqual([field])
    expect(printed(error)).not.toContain(SECRET)
  })
})

describe("request-otp's otpId", () => {
  it.each([
    ['a missing otpId', {}, '"response" body "otpId" property must be a non-empty string'],
    ['an empty otpId', { otpId: '' }, '"response" body "otpId" property must be a non-empty string'],
    ['a body that is not an object', [SECRET], '"response" body must be a JSON object'],
  ])('%s', async (_label, body, expected) => {
    const error = await rejectionOf(client(() => json(body)).requestOTP('alice@example.com'))
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect((error as Error).message).toBe(`POST ${BASE}/api/collections/users/request-otp: ${expected}`)
    expect(printed(error)).not.toContain(SECRET)
  })
})

describe('token claims', () => {
  it('a sign-in whose token has a bad claim is unexpected_response, never quoting the token', async () => {
    const token = makeJwt({ exp: -5 })
    const error = await rejectionOf(
      client(() => json({ token, record: goodRecord() })).authWithPassword('alice@example.com', 'pw-1'),
    )
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    expect(printed(error)).not.toContain(token)
  })
})

describe('db-interface schema validation', () => {
  const Post = z.object({ id: z.string(), title: z.string(), views: z.number(), tags: z.array(z.string()) })

  function db() {
    const auth = client((request) => {
      if (request.path.endsWith('/auth-with-password')) return json(signInBody())
      return json({
        page: 1,
        perPage: 30,
        totalItems: 2,
        totalPages: 1,
        items: [
          { id: 'p1', title: 'ok', views: 1, tags: [] },
          { id: 'p2', title: 7, views: SECRET, tags: [1, 'x', 2] },
        ],
      })
    })
    return { auth, posts: createDbInterface(auth).collection('posts', { schema: Post }) }
  }

  it('a rejected record carries every issue in `issues`, and its message names each path', async () => {
    const { auth, posts } = db()
    await auth.authWithPassword('alice@example.com', 'pw-1')
    const error = await rejectionOf(posts.getList())
    expect(error).toBeInstanceOf(UnexpectedResponseError)
    const { issues, message } = error as UnexpectedResponseError
    expectTypeOf(issues).toEqualTypeOf<readonly ResponseIssue[]>()
    expect(issues.map((issue) => issue.path)).toEqual(['title', 'views', 'tags.0', 'tags.2'])
    for (const issue of issues) expect(issue.message).toEqual(expect.any(String))
    expect(message).toContain(
      'GET http://pb.test/api/collections/posts/records: record 1 does not match the schema (4 issues)',
    )
    for (const path of ['"title"', '"views"', '"tags.0"', '"tags.2"']) expect(message).toContain(path)
    expect((error as UnexpectedResponseError).toJSON()).toMatchObject({ issues })
    expect(printed(error)).not.toContain(SECRET)
  })

  it('lists at most five issues in the message, all of them in issues', async () => {
    const Wide = z.object(
      Object.fromEntries(Array.from({ length: 8 }, (_, index) => [`f${index}`, z.string()])),
    )
    const auth = client((request) =>
      request.path.endsWith('/auth-with-password') ? json(signInBody()) : json({ id: 'r1' }),
    )
    await auth.authWithPassword('alice@example.com', 'pw-1')
    const error = await rejectionOf(createDbInterface(auth).collection('wide', { schema: Wide }).getOne('r1'))
    const { issues, message } = error as UnexpectedResponseError
    expect(issues).toHaveLength(8)
    expect(message).toContain('(8 issues)')
    expect(message).toContain('and 3 more (see issues)')
    expect(message).not.toContain('"f7"')
  })
})
