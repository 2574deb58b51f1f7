import { describe, expect, it } from 'vitest'
import { ConfigError, createAuthClient } from '../../src/index.js'
import { createAdmin } from '../../src/admin/index.js'

/** Every check below must fail before a request: this fetch fails the test if one is made. */
const requests: string[] = []
const noFetch: typeof fetch = (input) => {
  requests.push(String(input))
  throw new Error('no request expected')
}
const superuser = createAuthClient({
  url: 'http://127.0.0.1:1',
  collection: '_superusers',
  autoRefresh: false,
  fetch: noFetch,
})
const admin = createAdmin(superuser)

async function issues(promise: Promise<unknown>): Promise<string[]> {
  try {
    await promise
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => issue.path)
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('admin helpers check their arguments before any request', () => {
  it('createAdmin takes only a _superusers client', () => {
    expect(() => createAdmin(createAuthClient({ url: 'http://127.0.0.1:1' }))).toThrow(ConfigError)
  })

  it('configureAuth', async () => {
    expect(
      await issues(admin.configureAuth('users', { otp: { duration: 1 }, mfa: { enabled: 'yes' } } as never)),
    ).toEqual(['otp', 'mfa'])
    expect(await issues(admin.configureAuth('users', { password: { identityFields: [] } }))).toEqual([
      'password',
    ])
    expect(await issues(admin.configureAuth('users', { providers: [] } as never))).toEqual(['providers'])
    expect(await issues(admin.configureAuth('', {}))).toEqual(['collection'])
  })

  it('upsertOAuth2Provider', async () => {
    expect(
      await issues(
        admin.upsertOAuth2Provider('users', { name: 'oidc', clientId: '', clientSecret: '' } as never),
      ),
    ).toEqual(['options.clientId', 'options.clientSecret', 'options.discoveryUrl'])
    expect(
      await issues(
        admin.upsertOAuth2Provider('users', {
          name: 'oidc',
          clientId: 'a',
          clientSecret: 'b',
          discoveryUrl: 'ftp://example.com/.well-known/openid-configuration',
        }),
      ),
    ).toEqual(['options.discoveryUrl'])
  })

  it('testEmail, setRateLimits, createApiKey, revokeTokens', async () => {
    expect(await issues(admin.testEmail('not an address'))).toEqual(['to'])
    expect(await issues(admin.testEmail('a@example.com', { template: 'nope' as never }))).toEqual([
      'options.template',
    ])
    expect(await issues(admin.setRateLimits([{ label: '', maxRequests: 1.5, duration: 0 }]))).toEqual([
      'rules.0.label',
      'rules.0.maxRequests',
      'rules.0.duration',
    ])
    expect(await issues(admin.createApiKey('x/y', { durationSeconds: -1 }))).toEqual([
      'recordId',
      'options.durationSeconds',
    ])
    expect(await issues(admin.revokeTokens('abc', { collection: '' }))).toEqual(['options.collection'])
    expect(requests).toEqual([])
  })
})
