import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthCollection,
  disableRateLimits,
  enableRateLimits,
  startCountingProxy,
} from '../../dev/index.js'
import { startPocketBase } from '../../src/testing/index.js'
import type { CountingProxy } from '../../dev/index.js'
import type { PocketBaseHandle } from '../../src/testing/index.js'
import { createTokenVerifier, type TokenVerifierOptions } from '../../src/server/node.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { FRAMEWORKS, call, startBackend, type Backend } from '../server/helpers/framework-servers.js'
import {
  impersonationToken,
  prepareAuthCollection,
  signIn,
  signedInUser,
} from '../server/helpers/pocketbase-setup.js'

const bin = pocketBaseBinaryForTests('server tests against PocketBase behaviour')
const GATE = 'gate-secret-0123456789-abcdefghijklmnop'
const REFRESH_USERS = 'POST /api/collections/_pb_users_auth_/auth-refresh'

describe.skipIf(bin === undefined)('pocketbase-auth/server against PocketBase’s own rules', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const backends: Backend[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await prepareAuthCollection(pb, 'users')
    await createAuthCollection(pb, 'staff')
    await prepareAuthCollection(pb, 'staff')
  })

  afterEach(async () => {
    for (const backend of backends.splice(0)) await backend.close()
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), pb?.stop()])
  })

  async function expressBackend(options: Partial<TokenVerifierOptions> = {}): Promise<Backend> {
    const verifier = createTokenVerifier({ url: proxy.url, collections: ['users', 'staff'], ...options })
    const backend = await startBackend('express', verifier, [{ path: '/me' }])
    backends.push(backend)
    return backend
  }

  it('a password change is seen within cacheTtlSeconds, not before (the revocation window)', async () => {
    let offsetMs = 0
    const backend = await expressBackend({ cacheTtlSeconds: 30, now: () => Date.now() + offsetMs })
    const who = await signedInUser(pb, 'users', { role: 'user' })
    expect((await call(backend, '/me', who.token)).status).toBe(200)
    const password = 'Brand-new-pw-0001'
    await pb.api('PATCH', `/api/collections/users/records/${who.id}`, {
      password,
      passwordConfirm: password,
      role: 'admin',
    })
    offsetMs = 29_000
    expect(await call(backend, '/me', who.token)).toMatchObject({
      status: 200,
      body: { auth: { role: 'user' } },
    })
    offsetMs = 30_000
    expect(await call(backend, '/me', who.token)).toMatchObject({
      status: 401,
      body: { reason: 'token_revoked' },
    })
    const fresh = await signIn(pb.url, 'users', who.email, password)
    expect(await call(backend, '/me', fresh)).toMatchObject({
      status: 200,
      body: { auth: { role: 'admin' } },
    })
  })

  it('accepts impersonation tokens (API keys) with one auth-refresh', async () => {
    const backend = await expressBackend()
    const who = await signedInUser(pb, 'users', { role: 'moderator' })
    const apiKey = await impersonationToken(pb, 'users', who.id)
    const before = proxy.count(REFRESH_USERS)
    expect(await call(backend, '/me', apiKey)).toMatchObject({
      status: 200,
      body: { auth: { recordId: who.id, role: 'moderator' } },
    })
    expect(await call(backend, '/me', apiKey)).toMatchObject({ status: 200 })
    expect(proxy.count(REFRESH_USERS) - before).toBe(1)
  })

  it('refuses tokens of another auth collection unless it is allowed; once known, without a request', async () => {
    const usersOnly = await expressBackend({ collections: ['users'] })
    const both = await expressBackend({ collections: ['users', 'staff'] })
    const [first, second] = [await signedInUser(pb, 'staff'), await signedInUser(pb, 'staff')]
    const staffRefreshes = (): number =>
      Object.entries(proxy.counts())
        .filter(
          ([key]) =>
            /^POST \/api\/collections\/pbc_\w+\/auth-refresh$/.test(key) && !key.includes('pbc_3142635823'),
        )
        .reduce((sum, [, count]) => sum + count, 0)
    const before = staffRefreshes()
    expect(await call(usersOnly, '/me', first.token)).toMatchObject({
      status: 403,
      body: { reason: 'collection_not_allowed' },
    })
    expect(await call(usersOnly, '/me', second.token)).toMatchObject({
      status: 403,
      body: { reason: 'collection_not_allowed' },
    })
    expect(staffRefreshes() - before).toBe(1)
    expect(await call(both, '/me', first.token)).toMatchObject({
      status: 200,
      body: { auth: { collectionName: 'staff' } },
    })
  })

  it('a record that no longer satisfies the authRule: 403 auth_rule_failed', async () => {
    await createAuthCollection(pb, 'members', { rules: { authRule: 'verified = true' } as never })
    await prepareAuthCollection(pb, 'members')
    const backend = await expressBackend({ collections: ['members'] })
    const member = await signedInUser(pb, 'members')
    expect((await call(backend, '/me', member.token)).status).toBe(200)
    await pb.api('PATCH', `/api/collections/members/records/${member.id}`, { verified: false })
    // Within cacheTtlSeconds the cached answer stands (the documented revocation window); a token not seen yet is asked.
    expect((await call(backend, '/me', member.token)).status).toBe(200)
    const other = await signedInUser(pb, 'members')
    await pb.api('PATCH', `/api/collections/members/records/${other.id}`, { verified: false })
    expect(await call(backend, '/me', other.token)).toMatchObject({
      status: 403,
      body: { code: 'forbidden', reason: 'auth_rule_failed' },
    })
  })

  it('a TOTP-gated collection: enrolled users’ tokens pass only with gateSecret', async () => {
    const gate = `@request.headers.x_pocketbase_auth_gate = "${GATE}" || role != "enrolled"`
    await createAuthCollection(pb, 'gated', {
      fields: [{ name: 'role', type: 'text' }],
      rules: { authRule: gate } as never,
    })
    await prepareAuthCollection(pb, 'gated')
    const user = await pb.api<{ id: string }>('POST', '/api/collections/gated/records', {
      email: 'enrolled@example.com',
      password: 'Enrolled-pw-0001',
      passwordConfirm: 'Enrolled-pw-0001',
      role: 'enrolled',
      verified: true,
    })
    const response = await fetch(`${pb.url}/api/collections/gated/auth-with-password`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-PocketBase-Auth-Gate': GATE },
      body: JSON.stringify({ identity: 'enrolled@example.com', password: 'Enrolled-pw-0001' }),
    })
    const { token } = (await response.json()) as { token: string }
    const without = await expressBackend({ collections: ['gated'] })
    const gated = await expressBackend({ collections: ['gated'], gateSecret: GATE })
    expect(await call(without, '/me', token)).toMatchObject({
      status: 403,
      body: { reason: 'auth_rule_failed' },
    })
    expect(await call(gated, '/me', token)).toMatchObject({
      status: 200,
      body: { auth: { recordId: user.id } },
    })
  })

  it('PocketBase’s rate limit fails closed (503 + Retry-After); excluding the backend’s address lifts it', async () => {
    const backend = await expressBackend()
    const [a, b, c] = [
      await signedInUser(pb, 'users'),
      await signedInUser(pb, 'users'),
      await signedInUser(pb, 'users'),
    ]
    try {
      await enableRateLimits(pb, [{ label: 'users:authRefresh', maxRequests: 1, durationSeconds: 60 }])
      expect((await call(backend, '/me', a.token)).status).toBe(200)
      const limited = await call(backend, '/me', b.token)
      expect(limited).toMatchObject({
        status: 503,
        body: { code: 'rate_limited', title: 'Service Unavailable' },
      })
      expect(limited.headers.get('retry-after')).toBe('10')
      // Not cached: the same token is asked about again once the limit no longer applies to this address.
      await pb.api('PATCH', '/api/settings', { rateLimits: { excludedIPs: ['127.0.0.1'] } })
      expect((await call(backend, '/me', b.token)).status).toBe(200)
      expect((await call(backend, '/me', c.token)).status).toBe(200)
    } finally {
      await pb.api('PATCH', '/api/settings', { rateLimits: { excludedIPs: [] } })
      await disableRateLimits(pb)
    }
  })

  it('PocketBase stopped mid-run: cached tokens keep working, new ones get 503, and all recover once it is back', async () => {
    const running = await Promise.all(
      FRAMEWORKS.map(async (framework) => {
        const verifier = createTokenVerifier({ url: proxy.url, timeoutMs: 2_000 })
        const backend = await startBackend(framework, verifier, [{ path: '/me' }])
        backends.push(backend)
        return backend
      }),
    )
    const [known, fresh] = [await signedInUser(pb, 'users'), await signedInUser(pb, 'users')]
    for (const backend of running) expect((await call(backend, '/me', known.token)).status).toBe(200)
    await pb.kill()
    for (const backend of running) {
      expect((await call(backend, '/me', known.token)).status).toBe(200)
      const down = await call(backend, '/me', fresh.token)
      expect(down).toMatchObject({ status: 503, body: { code: 'network' } })
      expect(down.headers.get('retry-after')).toBe('5')
    }
    await pb.restart()
    for (const backend of running) {
      expect(await call(backend, '/me', fresh.token)).toMatchObject({
        status: 200,
        body: { auth: { recordId: fresh.id } },
      })
    }
  })
})
