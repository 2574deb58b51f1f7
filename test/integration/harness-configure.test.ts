import { Buffer } from 'node:buffer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthCollection,
  createBaseCollection,
  createUser,
  disableRateLimits,
  enableMfa,
  enableOtp,
  enableRateLimits,
  setAuthTokenDuration,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('harness-configure tests')

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (token !== undefined) headers['Authorization'] = token
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

function expSeconds(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as {
    exp: number
  }
  return payload.exp - Math.floor(Date.now() / 1000)
}

describe.skipIf(bin === undefined)('dev/configure helpers against a real PocketBase', () => {
  let pb: PocketBaseHandle

  beforeAll(async () => {
    pb = await startPocketBase()
  })

  afterAll(async () => {
    await pb?.stop()
  })

  it('createAuthCollection adds a unique nickname identity; setAuthTokenDuration shortens tokens', async () => {
    const members = await createAuthCollection(pb, 'members', {
      identityFields: ['email', 'nickname'],
      fields: [{ name: 'nickname', type: 'text', max: 100 }],
    })
    expect(members).toMatchObject({ type: 'auth', passwordAuth: { identityFields: ['email', 'nickname'] } })
    expect(members['indexes']).toContain(
      "CREATE UNIQUE INDEX idx_members_nickname ON members (nickname) WHERE nickname != ''",
    )
    await setAuthTokenDuration(pb, 'members', 1800)
    const member = await createUser(pb, 'members', { nickname: 'nick-1' })
    expect(member).toMatchObject({ nickname: 'nick-1', verified: false, collectionName: 'members' })
    expect(member.email).toMatch(/^user-[0-9a-f]{12}@example\.com$/)
    expect(member.password.length).toBeGreaterThanOrEqual(12)

    const auth = await post(`${pb.url}/api/collections/members/auth-with-password`, {
      identity: 'nick-1',
      password: member.password,
    })
    expect(auth.status).toBe(200)
    expect(expSeconds((auth.body as { token: string }).token)).toBeGreaterThan(1790)
    expect(expSeconds((auth.body as { token: string }).token)).toBeLessThanOrEqual(1800)
  })

  it('enableOtp + enableMfa make a password login answer 401 {mfaId}', async () => {
    await createAuthCollection(pb, 'staff')
    const staff = await enableOtp(pb, 'staff', { duration: 120, length: 8 })
    expect(staff['otp']).toMatchObject({
      enabled: true,
      duration: 120,
      length: 8,
      emailTemplate: { subject: 'Code {OTP}' },
    })
    const withMfa = await enableMfa(pb, 'staff', { duration: 300 })
    expect(withMfa['mfa']).toEqual({ enabled: true, duration: 300, rule: '' })

    const user = await createUser(pb, 'staff', { verified: true })
    const login = await post(`${pb.url}/api/collections/staff/auth-with-password`, {
      identity: user.email,
      password: user.password,
    })
    expect(login).toEqual({ status: 401, body: { mfaId: expect.any(String) } })
  })

  it('createBaseCollection resolves a relation by collection name and applies owner rules', async () => {
    const posts = await createBaseCollection(pb, 'posts', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true },
        { name: 'title', type: 'text' },
      ],
      rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
    })
    expect(posts).toMatchObject({ type: 'base', listRule: 'owner = @request.auth.id' })
    const [alice, bob] = await Promise.all([createUser(pb, 'users'), createUser(pb, 'users')])
    await pb.api('POST', '/api/collections/posts/records', { owner: alice.id, title: 'hello' })

    const listAs = async (user: { email: string; password: string }) => {
      const auth = await post(`${pb.url}/api/collections/users/auth-with-password`, {
        identity: user.email,
        password: user.password,
      })
      const token = (auth.body as { token: string }).token
      const list = await fetch(`${pb.url}/api/collections/posts/records`, {
        headers: { Authorization: token },
      })
      return ((await list.json()) as { totalItems: number }).totalItems
    }
    expect(await listAs(alice)).toBe(1)
    expect(await listAs(bob)).toBe(0)
  })

  it('enableRateLimits applies custom rules; disableRateLimits lifts them', async () => {
    const settings = await enableRateLimits(pb, [
      { label: 'users:authWithPassword', audience: '@guest', durationSeconds: 5, maxRequests: 1 },
    ])
    expect(settings['rateLimits']).toMatchObject({
      enabled: true,
      rules: [{ label: 'users:authWithPassword' }],
    })
    const attempt = () =>
      post(`${pb.url}/api/collections/users/auth-with-password`, {
        identity: 'x@example.com',
        password: 'wrong-pw1',
      })
    expect((await attempt()).status).toBe(400)
    expect(await attempt()).toEqual({
      status: 429,
      body: { data: {}, message: 'Too Many Requests.', status: 429 },
    })
    // Superuser requests are exempt, so the harness keeps working while limits are on.
    await expect(pb.api('GET', '/api/collections/users')).resolves.toMatchObject({ name: 'users' })
    await disableRateLimits(pb)
    expect((await attempt()).status).toBe(400)
  })
})
