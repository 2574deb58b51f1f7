import { Buffer } from 'node:buffer'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createAuthCollection, createBaseCollection, createUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { ConfigError, ForbiddenError, InvalidCredentialsError, isAuthError } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'

const bin = pocketBaseBinaryForTests('password tests')

function jwtClaims(token: string): { exp: number; id: string; collectionId: string } {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    exp: number
    id: string
    collectionId: string
  }
}

describe.skipIf(bin === undefined)('authWithPassword against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let teamId: string

  const client = useClients(() => pb.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    const teams = await createBaseCollection(pb, 'teams', {
      fields: [{ name: 'name', type: 'text' }],
      rules: { listRule: '', viewRule: '' },
    })
    teamId = (await pb.api<{ id: string }>('POST', '/api/collections/teams/records', { name: 'Red' })).id
    await createAuthCollection(pb, 'members', {
      identityFields: ['email', 'nickname'],
      fields: [
        { name: 'nickname', type: 'text', max: 100 },
        { name: 'team', type: 'relation', collectionId: teams.id, maxSelect: 1 },
      ],
    })
    await createAuthCollection(pb, 'nopassword')
    await pb.api('PATCH', '/api/collections/nopassword', { passwordAuth: { enabled: false } })
    await createAuthCollection(pb, 'verifiedonly')
    await pb.api('PATCH', '/api/collections/verifiedonly', { authRule: 'verified = true' })
  })

  afterAll(async () => {
    await pb?.stop()
  })

  it('signs a users record in: session shape, expiry from the JWT, frozen, authenticated', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    expect(auth.session).toBeNull()
    expect(auth.isAuthenticated).toBe(false)

    const before = Date.now()
    const session = await auth.authWithPassword(user.email, user.password)
    const after = Date.now()

    expect(session).toEqual({
      token: expect.any(String),
      record: expect.objectContaining({ id: user.id, email: user.email, collectionName: 'users' }),
      collectionId: '_pb_users_auth_',
      collectionName: 'users',
      recordId: user.id,
      expiresAt: expect.any(Number),
      issuedAt: expect.any(Number),
      refreshable: true,
    })
    const claims = jwtClaims(session.token)
    expect(claims).toMatchObject({ id: user.id, collectionId: '_pb_users_auth_' })
    // Corrected for the server's Date header (1 s resolution): within ~2 s of the JWT's exp.
    expect(Math.abs(session.expiresAt - claims.exp * 1000)).toBeLessThanOrEqual(2000)
    expect(session.issuedAt).toBeGreaterThanOrEqual(before)
    expect(session.issuedAt).toBeLessThanOrEqual(after)
    // users tokens live 5 days by default.
    expect(session.expiresAt - session.issuedAt).toBeGreaterThan(432_000_000 - 3000)

    expect(auth.session).toBe(session)
    expect(auth.isAuthenticated).toBe(true)
    expect(auth.isSuperuser).toBe(false)
    expect(Object.isFrozen(session)).toBe(true)
    expect(Object.isFrozen(session.record)).toBe(true)
    expect(() => {
      ;(session as { token: string }).token = 'tampered'
    }).toThrow(TypeError)
  })

  it('replaces the session object on refresh and leaves the old one untouched', async () => {
    const user = await createUser(pb, 'users')
    const auth = client()
    const first = await auth.authWithPassword(user.email, user.password)
    const firstToken = first.token
    const second = await auth.authRefresh()
    expect(second).not.toBe(first)
    expect(auth.session).toBe(second)
    expect(first.token).toBe(firstToken)
    expect(second.recordId).toBe(first.recordId)
  })

  it('signs in to a second auth collection with a non-email identity field', async () => {
    const member = await createUser(pb, 'members', { nickname: 'nick-password-test' })
    const auth = client({ collection: 'members' })
    const session = await auth.authWithPassword('nick-password-test', member.password)
    expect(session).toMatchObject({ collectionName: 'members', recordId: member.id, refreshable: true })
    expect(session.record).toMatchObject({ nickname: 'nick-password-test', email: member.email })
    expect(jwtClaims(session.token).collectionId).toBe(session.collectionId)
    expect(auth.isSuperuser).toBe(false)
  })

  it('signs a superuser in on _superusers', async () => {
    const auth = client({ collection: '_superusers' })
    const session = await auth.authWithPassword(pb.superuser.email, pb.superuser.password)
    expect(session).toMatchObject({
      collectionName: '_superusers',
      collectionId: 'pbc_3142635823',
      record: { email: pb.superuser.email },
    })
    expect(auth.isSuperuser).toBe(true)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('answers a wrong password, an unknown user and a wrong-case email with the same error', async () => {
    const user = await createUser(pb, 'users', { email: `casey-${Date.now()}@example.com` })
    const auth = client()
    const signedIn = vi.fn()
    auth.on('signedIn', signedIn)

    // Awaited as they are made, so no rejection sits unhandled while another is awaited.
    const errors = [
      await rejectionOf(auth.authWithPassword(user.email, `${user.password}-wrong`)),
      await rejectionOf(auth.authWithPassword(`nobody-${Date.now()}@example.com`, user.password)),
      await rejectionOf(auth.authWithPassword(user.email.toUpperCase(), user.password)),
    ]

    for (const error of errors) {
      expect(error).toBeInstanceOf(InvalidCredentialsError)
      expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'credentials', status: 400 })
    }
    // Nothing tells the three cases apart: no account-existence leak.
    const [wrongPassword, unknownUser, wrongCase] = errors as InvalidCredentialsError[]
    expect(unknownUser?.toJSON()).toEqual(wrongPassword?.toJSON())
    expect(wrongCase?.toJSON()).toEqual(wrongPassword?.toJSON())
    expect(auth.session).toBeNull()
    expect(signedIn).not.toHaveBeenCalled()
  })

  it('rejects a blank identity or password with a ConfigError before any request', async () => {
    const fetchSpy = vi.fn(globalThis.fetch)
    const auth = client({ fetch: fetchSpy })
    const error = await rejectionOf(auth.authWithPassword('', '   '))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['identity', 'password'])
    await expect(auth.authWithPassword('someone@example.com', '')).rejects.toBeInstanceOf(ConfigError)
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('maps a collection with password auth disabled to forbidden', async () => {
    const user = await createUser(pb, 'nopassword')
    const error = await rejectionOf(
      client({ collection: 'nopassword' }).authWithPassword(user.email, user.password),
    )
    expect(error).toBeInstanceOf(ForbiddenError)
    expect(error).toMatchObject({ code: 'forbidden', status: 403 })
    expect((error as Error).message).toContain(
      'password authentication is not enabled on collection "nopassword"',
    )
  })

  it('maps an unmet authRule (verified = true) to forbidden, and lets a verified user in', async () => {
    const unverified = await createUser(pb, 'verifiedonly')
    const verified = await createUser(pb, 'verifiedonly', { verified: true })
    const auth = client({ collection: 'verifiedonly' })
    const error = await rejectionOf(auth.authWithPassword(unverified.email, unverified.password))
    expect(isAuthError(error) && error.code).toBe('forbidden')
    expect(auth.session).toBeNull()
    const session = await auth.authWithPassword(verified.email, verified.password)
    expect(session.recordId).toBe(verified.id)
  })

  it('passes the fields and expand options through to PocketBase', async () => {
    const member = await createUser(pb, 'members', { nickname: 'nick-expand', team: teamId })
    const auth = client({ collection: 'members' })

    const expanded = await auth.authWithPassword('nick-expand', member.password, { expand: 'team' })
    expect(expanded.record['expand']).toMatchObject({ team: { id: teamId, name: 'Red' } })

    const trimmed = await auth.authWithPassword(member.email, member.password, { fields: 'record.email' })
    // The SDK adds the fields it needs (token, id, collectionId, collectionName); everything else is filtered.
    expect(Object.keys(trimmed.record).sort()).toEqual(['collectionId', 'collectionName', 'email', 'id'])
    expect(trimmed.record.email).toBe(member.email)
    expect(trimmed.recordId).toBe(member.id)
    expect(auth.session).toBe(trimmed)
  })
})
