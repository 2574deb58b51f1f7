import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import {
  configureOidc,
  configureSmtp,
  createAuthCollection,
  enableMfa,
  enableOtp,
  startOidcProvider,
  startSmtpSink,
  type OidcProvider,
  type SmtpSink,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { NotFoundError, createAuthClient } from '../../src/index.js'
import type { AuthClient, AuthMethods, OAuth2ProviderInfo } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('auth-methods tests')

const LEGACY_KEYS = ['authProviders', 'usernamePassword', 'emailPassword']

describe.skipIf(bin === undefined)('listAuthMethods against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  let oidc: OidcProvider
  const clients: AuthClient[] = []

  function client(collection: string): AuthClient {
    const auth = createAuthClient({ url: pb.url, collection, autoRefresh: false })
    clients.push(auth)
    return auth
  }

  beforeAll(async () => {
    ;[pb, sink, oidc] = await Promise.all([startPocketBase(), startSmtpSink(), startOidcProvider()])
    await configureSmtp(pb, sink)
    await enableOtp(pb, 'users', { duration: 240 })
    await enableMfa(pb, 'users', { duration: 900 })
    await configureOidc(pb, 'users', oidc)
    await createAuthCollection(pb, 'members', {
      identityFields: ['email', 'nickname'],
      fields: [{ name: 'nickname', type: 'text', max: 100 }],
    })
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
  })

  afterAll(async () => {
    await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
  })

  it('types the result', async () => {
    const methods = await client('members').listAuthMethods()
    expectTypeOf(methods).toEqualTypeOf<AuthMethods>()
    expectTypeOf(methods.otp.durationSeconds).toEqualTypeOf<number>()
    expectTypeOf(methods.oauth2.providers).toEqualTypeOf<readonly OAuth2ProviderInfo[]>()
    expectTypeOf(methods.password.identityFields).toEqualTypeOf<readonly string[]>()
  })

  it('reports a password-only collection exactly, with disabled methods at 0 seconds', async () => {
    const methods = await client('members').listAuthMethods()
    expect(methods).toEqual({
      password: { enabled: true, identityFields: ['email', 'nickname'] },
      oauth2: { enabled: false, providers: [] },
      mfa: { enabled: false, durationSeconds: 0, duration: 0 },
      otp: { enabled: false, durationSeconds: 0, duration: 0 },
    })
  })

  it('reports OTP, MFA and OAuth2 with durations in seconds and no legacy fields', async () => {
    const methods = await client('users').listAuthMethods()
    expect(Object.keys(methods).sort()).toEqual(['mfa', 'oauth2', 'otp', 'password'])
    for (const key of LEGACY_KEYS) expect(methods).not.toHaveProperty(key)

    expect(methods.password).toEqual({ enabled: true, identityFields: ['email'] })
    expect(methods.otp).toEqual({ enabled: true, durationSeconds: 240, duration: 240 })
    expect(methods.mfa).toEqual({ enabled: true, durationSeconds: 900, duration: 900 })
    expect(methods.oauth2.enabled).toBe(true)
    expect(methods.oauth2.providers).toHaveLength(1)

    const provider = methods.oauth2.providers[0]!
    expect(provider).toEqual({
      name: 'oidc',
      displayName: 'Local OIDC',
      state: expect.any(String),
      authURL: expect.stringMatching(/redirect_uri=$/),
      codeVerifier: expect.any(String),
      codeChallenge: expect.any(String),
      codeChallengeMethod: 'S256',
    })
    expect(provider).not.toHaveProperty('authUrl')
    expect(provider.authURL.startsWith(`${oidc.authURL}?`)).toBe(true)
    expect(new URL(provider.authURL).searchParams.get('state')).toBe(provider.state)
  })

  it('gives a fresh PKCE pair on every call', async () => {
    const auth = client('users')
    const [a, b] = await Promise.all([auth.listAuthMethods(), auth.listAuthMethods()])
    expect(a.oauth2.providers[0]?.state).not.toBe(b.oauth2.providers[0]?.state)
    expect(a.oauth2.providers[0]?.codeVerifier).not.toBe(b.oauth2.providers[0]?.codeVerifier)
  })

  it('maps an unknown collection to not_found', async () => {
    const error = await client('nosuchcollection')
      .listAuthMethods()
      .then(
        () => undefined,
        (rejection: unknown) => rejection,
      )
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error).toMatchObject({ code: 'not_found', status: 404 })
  })
})
