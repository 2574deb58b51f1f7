import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthCollection, startCountingProxy } from '../../dev/index.js'
import { startPocketBase } from '../../src/testing/index.js'
import type { CountingProxy } from '../../dev/index.js'
import type { PocketBaseHandle } from '../../src/testing/index.js'
import { createTokenVerifier, defineRoles, type TokenVerifier } from '../../src/server/node.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import {
  FRAMEWORKS,
  call,
  startBackend,
  type Backend,
  type Route,
} from '../server/helpers/framework-servers.js'
import {
  prepareAuthCollection,
  signedInUser,
  tamperedToken,
  type SignedInUser,
} from '../server/helpers/pocketbase-setup.js'

const bin = pocketBaseBinaryForTests('server framework tests')

const roles = defineRoles({ permissions: { 'users:manage': 'admin' } })
const ROUTES: readonly Route[] = [
  { path: '/me' },
  { path: '/moderation', options: { roles, minRole: 'moderator' } },
  { path: '/manage', options: { roles, permission: 'users:manage' } },
  { path: '/user-or-admin', options: { roles, anyRole: ['user', 'admin'] } },
  { path: '/verified', options: { requireVerified: true } },
  { path: '/guest', options: { optional: true } },
  { path: '/users-only', options: { collections: ['users'] } },
]
const REFRESH_USERS = 'POST /api/collections/_pb_users_auth_/auth-refresh'

describe.skipIf(bin === undefined)('pocketbase-auth/server in real Express, Hono and Fastify servers', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  let people: Record<'user' | 'moderator' | 'admin' | 'unverified' | 'staff', SignedInUser>
  let superuserToken: string

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await prepareAuthCollection(pb, 'users')
    await createAuthCollection(pb, 'staff')
    await prepareAuthCollection(pb, 'staff')
    people = {
      user: await signedInUser(pb, 'users', { role: 'user' }),
      moderator: await signedInUser(pb, 'users', { role: 'moderator' }),
      admin: await signedInUser(pb, 'users', { role: 'admin' }),
      unverified: await signedInUser(pb, 'users', { role: 'admin', verified: false }),
      staff: await signedInUser(pb, 'staff', { role: 'superadmin' }),
    }
    superuserToken = await pb.superuserToken()
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), pb?.stop()])
  })

  describe.each(FRAMEWORKS)('%s', (framework) => {
    let verifier: TokenVerifier
    let backend: Backend

    beforeAll(async () => {
      verifier = createTokenVerifier({ url: proxy.url, collections: ['users', 'staff'] })
      backend = await startBackend(framework, verifier, ROUTES)
    })

    afterAll(async () => {
      await backend?.close()
    })

    it('200 with the identity PocketBase confirmed', async () => {
      expect(await call(backend, '/me', people.moderator.token)).toMatchObject({
        status: 200,
        body: {
          auth: {
            recordId: people.moderator.id,
            collectionName: 'users',
            role: 'moderator',
            superuser: false,
          },
        },
      })
      expect((await call(backend, '/me', people.staff.token)).body).toMatchObject({
        auth: { collectionName: 'staff' },
      })
      expect(await call(backend, '/guest')).toMatchObject({ status: 200, body: { auth: null } })
      expect((await call(backend, '/guest', people.user.token)).body).toMatchObject({
        auth: { recordId: people.user.id },
      })
    })

    it('401 problem answers name the case and never echo the token', async () => {
      const cases: [string | undefined, string, string | undefined, string][] = [
        [undefined, 'not_authenticated', 'token_missing', 'Bearer'],
        ['not-a-token', 'not_authenticated', 'token_invalid', 'Bearer error="invalid_token"'],
        [
          tamperedToken(people.user.token, { type: 'file' }),
          'not_authenticated',
          'token_invalid',
          'error="invalid_token"',
        ],
        [
          people.user.token.replace(/[^.]+$/, 'forged-signature'), // not 32 bytes: no HMAC-SHA256
          'not_authenticated',
          'token_invalid',
          'error="invalid_token"',
        ],
        // PocketBase answers a forged signature and a revoked token alike (401): both are token_revoked.
        [
          tamperedToken(people.user.token, { id: people.admin.id }),
          'not_authenticated',
          'token_revoked',
          'invalid_token',
        ],
        [
          tamperedToken(people.user.token, { exp: 1_700_000_000 }),
          'token_expired',
          undefined,
          'invalid_token',
        ],
      ]
      for (const [token, code, reason, challenge] of cases) {
        const { status, headers, body } = await call(backend, '/me', token)
        expect(status).toBe(401)
        expect(headers.get('content-type')).toMatch(/^application\/problem\+json/)
        expect(headers.get('www-authenticate')).toContain(challenge)
        expect(body).toMatchObject({ type: 'about:blank', title: 'Unauthorized', status: 401, code })
        expect(body['reason']).toBe(reason)
        let sent = JSON.stringify(body)
        headers.forEach((value) => (sent += value))
        if (token !== undefined) expect(sent).not.toContain(token.split('.')[1])
      }
      // An optional route refuses a bad token rather than serving a guest.
      expect((await call(backend, '/guest', 'not-a-token')).status).toBe(401)
    })

    it('a changed password revokes the token: 401 token_revoked', async () => {
      const victim = await signedInUser(pb, 'users', { role: 'user' })
      const password = 'Changed-pw-123456'
      await pb.api('PATCH', `/api/collections/users/records/${victim.id}`, {
        password,
        passwordConfirm: password,
      })
      expect(await call(backend, '/me', victim.token)).toMatchObject({
        status: 401,
        body: { code: 'not_authenticated', reason: 'token_revoked' },
      })
    })

    it('403 for a refused collection, a too-low role, a missing permission, an unverified email', async () => {
      const before = proxy.count('POST /api/collections/pbc_3142635823/auth-refresh')
      expect(await call(backend, '/me', superuserToken)).toMatchObject({
        status: 403,
        body: { code: 'forbidden', reason: 'collection_not_allowed', title: 'Forbidden' },
      })
      expect(proxy.count('POST /api/collections/pbc_3142635823/auth-refresh')).toBe(before)
      const refused: [string, SignedInUser, string][] = [
        ['/moderation', people.user, 'insufficient_role'],
        ['/manage', people.moderator, 'insufficient_role'],
        ['/user-or-admin', people.moderator, 'insufficient_role'],
        ['/verified', people.unverified, 'not_verified'],
        ['/users-only', people.staff, 'collection_not_allowed'],
      ]
      for (const [path, who, reason] of refused) {
        expect(await call(backend, path, who.token)).toMatchObject({
          status: 403,
          body: { code: 'forbidden', reason },
        })
      }
      const allowed: [string, SignedInUser][] = [
        ['/moderation', people.moderator],
        ['/moderation', people.admin],
        ['/manage', people.admin],
        ['/user-or-admin', people.user],
        ['/verified', people.user],
        ['/users-only', people.user],
      ]
      for (const [path, who] of allowed) expect((await call(backend, path, who.token)).status).toBe(200)
    })

    it('50 concurrent users are never mixed up', async () => {
      const crowd = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          signedInUser(pb, 'users', { role: index % 2 === 0 ? 'user' : 'admin' }),
        ),
      )
      const answers = await Promise.all(
        [...crowd, ...crowd].map(async (who) => ({ who, answer: await call(backend, '/me', who.token) })),
      )
      for (const { who, answer } of answers) {
        expect(answer.status).toBe(200)
        expect(answer.body).toMatchObject({ auth: { recordId: who.id, role: who['role'] } })
      }
    })

    it('100 concurrent requests carrying one new token cost one auth-refresh', async () => {
      const who = await signedInUser(pb, 'users', { role: 'user' }, proxy.url)
      const before = proxy.count(REFRESH_USERS)
      const answers = await Promise.all(Array.from({ length: 100 }, () => call(backend, '/me', who.token)))
      expect(answers.every((answer) => answer.status === 200)).toBe(true)
      expect(proxy.count(REFRESH_USERS) - before).toBe(1)
    })
  })
})
