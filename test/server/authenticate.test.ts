import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import {
  authenticate,
  createTokenVerifier,
  defineRoles,
  expressAuth,
  fastifyAuth,
  honoAuth,
  type AuthenticateOptions,
} from '../../src/server/node.js'
import { compilePolicy } from '../../src/server/policy.js'
import { fakePocketBase } from './helpers/fake-pocketbase.js'

const roles = defineRoles({ permissions: { 'users:manage': 'admin' } })
const pb = fakePocketBase()
const verifier = createTokenVerifier({
  url: 'http://pb.test',
  fetch: pb.fetch,
  collections: ['users', 'staff', '_superusers'],
})
const tokens = {
  user: pb.issue({ id: 'user12345678901', role: 'user' }),
  admin: pb.issue({ id: 'admin1234567890', role: 'admin' }),
  unverified: pb.issue({ id: 'unver1234567890', role: 'admin', verified: false }),
  staff: pb.issue({
    id: 'staff1234567890',
    collectionId: 'pbc_staff000001',
    collectionName: 'staff',
    role: 'superadmin',
  }),
  superuser: pb.issue({
    id: 'super1234567890',
    collectionId: 'pbc_3142635823',
    collectionName: '_superusers',
    verified: false,
  }),
}

function request(authorization?: string): Request {
  return new Request(
    'http://backend.test/x',
    authorization === undefined ? {} : { headers: { authorization } },
  )
}

async function outcome(token: string | undefined, options?: AuthenticateOptions): Promise<string> {
  try {
    const who = await authenticate(
      request(token === undefined ? undefined : `Bearer ${token}`),
      verifier,
      options,
    )
    return who === null ? 'guest' : `ok:${who.recordId}`
  } catch (error) {
    const { code, reason } = error as { code: string; reason?: string }
    return reason === undefined ? code : `${code}:${reason}`
  }
}

describe('authenticate (Web Request)', () => {
  it('no options: any token the verifier accepts', async () => {
    expect(await outcome(tokens.user)).toBe('ok:user12345678901')
    expect(await outcome(undefined)).toBe('not_authenticated:token_missing')
    expect(await outcome('garbage')).toBe('not_authenticated:token_invalid')
    expect(await authenticate(request(tokens.admin), verifier)).toMatchObject({ recordId: 'admin1234567890' })
  })

  it('optional lets requests without a token through as null, but never downgrades a bad token to a guest', async () => {
    expect(await outcome(undefined, { optional: true })).toBe('guest')
    expect(await outcome('garbage', { optional: true })).toBe('not_authenticated:token_invalid')
    expect(await outcome(tokens.user, { optional: true })).toBe('ok:user12345678901')
  })

  it('collections narrows the verifier’s list', async () => {
    expect(await outcome(tokens.staff, { collections: ['users'] })).toBe('forbidden:collection_not_allowed')
    expect(await outcome(tokens.staff, { collections: ['staff'] })).toBe('ok:staff1234567890')
    expect(await outcome(tokens.superuser, { collections: ['users'] })).toBe(
      'forbidden:collection_not_allowed',
    )
  })

  it('minRole, anyRole and permission; superusers pass every role check', async () => {
    expect(await outcome(tokens.user, { roles, minRole: 'moderator' })).toBe('forbidden:insufficient_role')
    expect(await outcome(tokens.admin, { roles, minRole: 'moderator' })).toBe('ok:admin1234567890')
    expect(await outcome(tokens.admin, { roles, anyRole: ['user', 'moderator'] })).toBe(
      'forbidden:insufficient_role',
    )
    expect(await outcome(tokens.user, { roles, anyRole: ['user', 'moderator'] })).toBe('ok:user12345678901')
    expect(await outcome(tokens.user, { roles, permission: 'users:manage' })).toBe(
      'forbidden:insufficient_role',
    )
    expect(await outcome(tokens.admin, { roles, permission: 'users:manage' })).toBe('ok:admin1234567890')
    expect(
      await outcome(tokens.superuser, { roles, minRole: 'superadmin', permission: 'users:manage' }),
    ).toBe('ok:super1234567890')
  })

  it('requireVerified refuses unverified records, not superusers', async () => {
    expect(await outcome(tokens.unverified, { requireVerified: true })).toBe('forbidden:not_verified')
    expect(await outcome(tokens.user, { requireVerified: true })).toBe('ok:user12345678901')
    expect(await outcome(tokens.superuser, { requireVerified: true })).toBe('ok:super1234567890')
  })

  it('bad options are a ConfigError naming each, checked once per options object', async () => {
    const bad = {
      minRole: 'admin',
      anyRole: [],
      permission: 'x',
      collections: 'users',
      optional: 'yes',
      cookie: 'pb',
    }
    const error = await authenticate(request(tokens.user), verifier, bad as never).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((issue) => issue.path).sort()).toEqual([
      'anyRole',
      'collections',
      'cookie',
      'minRole',
      'optional',
      'permission',
    ])
    expect(() => compilePolicy({ roles, minRole: 'boss' })).toThrow(/minRole: must name roles/)
    expect(() => compilePolicy({ roles: { order: 'x' } })).toThrow(/roles: must come from defineRoles/)
    const options = { roles, minRole: 'admin' as const }
    expect(compilePolicy(options)).toBe(compilePolicy(options))
  })

  it('something other than a verifier is a ConfigError, from authenticate() and at once from every adapter', async () => {
    await expect(authenticate(request(tokens.user), {} as never)).rejects.toMatchObject({
      code: 'config_invalid',
      issues: [{ path: 'verifier' }],
    })
    for (const adapter of [expressAuth, honoAuth, fastifyAuth]) {
      expect(() => adapter(undefined as never)).toThrow(ConfigError)
      expect(() => adapter(verifier, { roles, minRole: 'boss' as never })).toThrow(ConfigError)
    }
  })
})
