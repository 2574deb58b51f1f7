import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthCollection, startCountingProxy } from '../../dev/index.js'
import type { CountingProxy } from '../../dev/index.js'
import type { PocketBaseHandle } from '../../src/testing/index.js'
import { createTokenVerifier } from '../../src/server/node.js'
import { call, startBackend, type Backend } from '../server/helpers/framework-servers.js'
import {
  LEGACY_VERSION,
  legacyPocketBaseBinary,
  startLegacyPocketBase,
} from '../server/helpers/legacy-pocketbase.js'
import {
  impersonationToken,
  prepareAuthCollection,
  signedInUser,
} from '../server/helpers/pocketbase-setup.js'

// Throws, naming what to install, when the 0.28.4 binary is missing: integration tests never skip on linux x64.
const bin = legacyPocketBaseBinary()

const REFRESH = 'POST /api/collections/_pb_users_auth_/auth-refresh'

describe(`pocketbase-auth/server on PocketBase ${LEGACY_VERSION} (before 0.29)`, () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  let backend: Backend

  beforeAll(async () => {
    pb = await startLegacyPocketBase(bin)
    proxy = await startCountingProxy(pb.url)
    await prepareAuthCollection(pb, 'users')
    await createAuthCollection(pb, 'hidden', { rules: { viewRule: null, listRule: null } })
    await prepareAuthCollection(pb, 'hidden')
    const verifier = createTokenVerifier({ url: proxy.url, collections: ['users', 'hidden'] })
    backend = await startBackend('express', verifier, [{ path: '/me' }])
  })

  afterAll(async () => {
    await backend?.close()
    await Promise.all([proxy?.stop(), pb?.stop()])
  })

  it('runs the version it says', () => {
    expect(execFileSync(bin!, ['--version'], { encoding: 'utf8' })).toContain(LEGACY_VERSION)
  })

  it('a login token: one auth-refresh', async () => {
    const who = await signedInUser(pb, 'users', { role: 'user' })
    proxy.reset()
    expect(await call(backend, '/me', who.token)).toMatchObject({
      status: 200,
      body: { auth: { recordId: who.id } },
    })
    expect(proxy.counts()).toEqual({ [REFRESH]: 1 })
  })

  it('an impersonation token: auth-refresh refuses it as not refreshable once it checked it, then the record is read', async () => {
    const who = await signedInUser(pb, 'users', { role: 'admin' })
    const apiKey = await impersonationToken(pb, 'users', who.id)
    proxy.reset()
    expect(await call(backend, '/me', apiKey)).toMatchObject({
      status: 200,
      body: { auth: { recordId: who.id, role: 'admin' } },
    })
    expect(await call(backend, '/me', apiKey)).toMatchObject({ status: 200 })
    expect(proxy.counts()).toEqual({
      [REFRESH]: 1,
      [`GET /api/collections/_pb_users_auth_/records/${who.id}`]: 1,
    })
  })

  it('a revoked impersonation token: 401 token_revoked, and its record is never read', async () => {
    const who = await signedInUser(pb, 'users')
    const apiKey = await impersonationToken(pb, 'users', who.id)
    const password = 'Rotated-pw-000001'
    await pb.api('PATCH', `/api/collections/users/records/${who.id}`, {
      password,
      passwordConfirm: password,
    })
    proxy.reset()
    expect(await call(backend, '/me', apiKey)).toMatchObject({
      status: 401,
      body: { reason: 'token_revoked' },
    })
    expect(proxy.counts()).toEqual({ [REFRESH]: 1 })
  })

  it('an impersonation token whose record may not read itself (viewRule): 403, with the reason in the error', async () => {
    const who = await signedInUser(pb, 'hidden')
    const apiKey = await impersonationToken(pb, 'hidden', who.id)
    expect(await call(backend, '/me', apiKey)).toMatchObject({ status: 403, body: { code: 'forbidden' } })
    // A login token of the same record needs no read: auth-refresh returns the record.
    expect(await call(backend, '/me', who.token)).toMatchObject({
      status: 200,
      body: { auth: { recordId: who.id } },
    })
  })
})
