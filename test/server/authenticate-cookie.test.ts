/**
 * The `cookie` option: a backend reads the session cookie of `pocketbase-auth/ssr` (chunks included, and the
 * official SDK's `pb_auth`) when the request has no `Authorization` header, and verifies its token as a header's.
 */
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { authenticate, createTokenVerifier, type AuthenticateOptions } from '../../src/server/node.js'
import { readPresentedToken } from '../../src/server/credentials.js'
import { hmacSha256 } from '../../src/ssr/hmac-sha256.js'
import { keyRing } from '../../src/ssr/keys.js'
import { encodeSession } from '../../src/ssr/session-codec.js'
import type { AuthSession } from '../../src/index.js'
import { fakePocketBase } from './helpers/fake-pocketbase.js'

const pb = fakePocketBase()
const verifier = createTokenVerifier({ url: 'http://pb.test', fetch: pb.fetch })
const alice = pb.issue({ id: 'alice1234567890' })
const bob = pb.issue({ id: 'bob12345678901a' })

function ssrValue(token: string): string {
  const session = {
    token,
    record: {
      id: 'alice1234567890',
      collectionId: '_pb_users_auth_',
      collectionName: 'users',
      bio: 'x'.repeat(5000),
    },
    collectionId: '_pb_users_auth_',
    collectionName: 'users',
    recordId: 'alice1234567890',
    expiresAt: Date.now() + 3_600_000,
    issuedAt: Date.now(),
    refreshable: true,
  } as AuthSession
  return encodeSession(session, keyRing(['a secret the backend does not need!!'], hmacSha256), hmacSha256)
}

async function who(headers: Record<string, string>, options?: AuthenticateOptions): Promise<string> {
  try {
    const identity = await authenticate(new Request('http://backend.test/x', { headers }), verifier, options)
    return identity === null ? 'guest' : identity.recordId
  } catch (error) {
    return (error as { code: string }).code
  }
}

describe('authenticate with the cookie option', () => {
  it('reads the signed session cookie, whole or in chunks, without the secret', async () => {
    const value = ssrValue(alice)
    expect(await who({ cookie: `theme=dark; pb_auth=${value}` }, { cookie: true })).toBe('alice1234567890')
    const chunked = `pb_auth.0=${value.slice(0, 3000)}; pb_auth.1=${value.slice(3000)}`
    expect(await who({ cookie: chunked }, { cookie: true })).toBe('alice1234567890')
    expect(await who({ cookie: `app_session=${value}` }, { cookie: { name: 'app_session' } })).toBe(
      'alice1234567890',
    )
    expect(await who({ cookie: `__Host-pb_auth=${value}` }, { cookie: { name: '__Host-pb_auth' } })).toBe(
      'alice1234567890',
    )
    expect(await who({ cookie: `pb_auth=${value}` }, { cookie: { name: '__Other-pb_auth' } })).toBe(
      'config_invalid',
    )
  })

  it("reads the official SDK's pb_auth cookie", async () => {
    const legacy = encodeURIComponent(JSON.stringify({ token: alice, record: { id: 'alice1234567890' } }))
    expect(await who({ cookie: `pb_auth=${legacy}` }, { cookie: true })).toBe('alice1234567890')
  })

  it('prefers the Authorization header, and reads no cookie without the option', async () => {
    const cookie = `pb_auth=${ssrValue(alice)}`
    expect(await who({ cookie, authorization: `Bearer ${bob}` }, { cookie: true })).toBe('bob12345678901a')
    expect(await who({ cookie })).toBe('not_authenticated')
    expect(await who({ cookie }, { cookie: false })).toBe('not_authenticated')
    expect(await who({ cookie: 'pb_auth=garbage' }, { cookie: true, optional: true })).toBe('guest')
  })

  it('verifies the cookie token like a header token: a revoked one is refused, not treated as a guest', async () => {
    const carol = pb.issue({ id: 'carol123456789a' })
    pb.setState(carol, 'revoked')
    expect(await who({ cookie: `pb_auth=${ssrValue(carol)}` }, { cookie: true, optional: true })).toBe(
      'not_authenticated',
    )
  })

  it('refuses a bad cookie option before reading anything', async () => {
    for (const cookie of [{ name: 'a b' }, 'yes', { name: '' }] as never[]) {
      const error = await authenticate(new Request('http://x.test'), verifier, { cookie }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['cookie'])
    }
  })

  it('readPresentedToken takes the first cookie of a repeated name', () => {
    const header = (name: string): string | undefined =>
      name === 'cookie' ? `pb_auth=${ssrValue(alice)}; pb_auth=${ssrValue(bob)}` : undefined
    expect(readPresentedToken(header, 'pb_auth')).toBe(alice)
    expect(readPresentedToken(header, undefined)).toBeUndefined()
  })
})
