import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  configureSmtp,
  createAuthCollection,
  createUser,
  followAuthorize,
  startOidcProvider,
  startSmtpSink,
} from '../../dev/index.js'
import type { OidcProvider, SmtpSink } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { ConfigError, createAuthClient, type AuthClient } from '../../src/index.js'
import { createAdmin, type Admin } from '../../src/admin/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'
import { capturingLogger, direct } from '../totp/helpers.js'

const bin = pocketBaseBinaryForTests('admin tests')

describe.skipIf(bin === undefined)('admin helpers against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  let oidc: OidcProvider
  let superuser: AuthClient
  let admin: Admin
  const log = capturingLogger()
  const client = useClients(() => pb.url)
  const secrets: string[] = []
  const errors: unknown[] = []
  const results: unknown[] = []

  beforeAll(async () => {
    ;[pb, sink, oidc] = await Promise.all([
      startPocketBase(),
      startSmtpSink(),
      startOidcProvider({ clientSecret: `client-secret-${randomBytes(8).toString('hex')}` }),
    ])
    secrets.push(oidc.clientSecret)
    await configureSmtp(pb, sink)
    superuser = createAuthClient({
      url: pb.url,
      collection: '_superusers',
      autoRefresh: false,
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
      logger: log.logger,
    })
    admin = createAdmin(superuser)
  })

  afterAll(async () => {
    superuser?.dispose()
    await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
  })

  it('refuses a client that is not a superuser', () => {
    const user = client()
    expect(() => createAdmin(user)).toThrow(ConfigError)
    expect(() => createAdmin({} as AuthClient)).toThrow(/superuser/)
  })

  describe('configureAuth', () => {
    it('changes only what is given and returns the settings', async () => {
      const first = await admin.configureAuth('users', { otp: { enabled: true, duration: 300 } })
      expect(first.otp).toMatchObject({ enabled: true, duration: 300, length: 8 })
      expect(first.password).toEqual({ enabled: true, identityFields: ['email'] })
      const second = await admin.configureAuth('users', {
        otp: { length: 6 },
        mfa: { enabled: true, duration: 600 },
      })
      expect(second.otp).toMatchObject({ enabled: true, duration: 300, length: 6 })
      expect(second.mfa).toEqual({ enabled: true, duration: 600, rule: '' })
      const off = await admin.configureAuth('users', {
        mfa: { enabled: false },
        authToken: { duration: 3600 },
      })
      expect(off.mfa.enabled).toBe(false)
      expect(off.authToken).toEqual({ duration: 3600 })
      results.push(first, second, off)
    })

    it('names what PocketBase refuses, and checks arguments before any request', async () => {
      await createAuthCollection(pb, 'solo')
      const refused = await rejectionOf(admin.configureAuth('solo', { mfa: { enabled: true } }))
      expect(refused).toMatchObject({
        code: 'validation_failed',
        fieldErrors: { 'mfa.enabled': expect.anything() },
      })
      const bad = await rejectionOf(admin.configureAuth('users', { otp: { duration: 5 } }))
      expect(bad).toBeInstanceOf(ConfigError)
      expect((bad as ConfigError).issues[0]?.path).toBe('otp')
      expect(await rejectionOf(admin.configureAuth('nope', {}))).toMatchObject({ code: 'not_found' })
      errors.push(refused, bad)
    })
  })

  describe('upsertOAuth2Provider', () => {
    async function signInWith(provider: string): Promise<string> {
      oidc.setUser({
        sub: `sub-${randomBytes(4).toString('hex')}`,
        email: `p-${randomBytes(4).toString('hex')}@example.com`,
        email_verified: true,
        name: 'P',
      })
      const auth = client()
      const { url } = await auth.startOAuth2(provider, { redirectUrl: 'http://127.0.0.1:1/cb' })
      return (await auth.completeOAuth2(await followAuthorize(url))).recordId
    }

    it('fills the endpoints from the discovery document, checks them, and the provider signs users in', async () => {
      const saved = await admin.upsertOAuth2Provider('users', {
        name: 'oidc',
        clientId: oidc.clientId,
        clientSecret: oidc.clientSecret,
        discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
        displayName: 'Local OIDC',
      })
      expect(saved).toEqual({
        name: 'oidc',
        displayName: 'Local OIDC',
        clientId: oidc.clientId,
        authURL: oidc.authURL,
        tokenURL: oidc.tokenURL,
        userInfoURL: oidc.userInfoURL,
        pkce: true,
      })
      expect(await signInWith('oidc')).toMatch(/^\w+$/)
      results.push(saved)
    })

    it('adds a second provider without touching the first one (or its secret)', async () => {
      const second = await admin.upsertOAuth2Provider('users', {
        name: 'oidc2',
        clientId: oidc.clientId,
        clientSecret: oidc.clientSecret,
        authURL: oidc.authURL,
        tokenURL: oidc.tokenURL,
        userInfoURL: oidc.userInfoURL,
      })
      expect(second.name).toBe('oidc2')
      expect(await signInWith('oidc')).toMatch(/^\w+$/)
      expect(await signInWith('oidc2')).toMatch(/^\w+$/)
      const methods = await client().listAuthMethods()
      expect(methods.oauth2.providers.map((provider) => provider.name)).toEqual(['oidc', 'oidc2'])
    })

    it('names a discovery URL or an endpoint that does not answer, and changes nothing', async () => {
      const missing = await rejectionOf(
        admin.upsertOAuth2Provider('users', {
          name: 'oidc3',
          clientId: 'x',
          clientSecret: oidc.clientSecret,
          discoveryUrl: `${oidc.issuer}/nope/.well-known/openid-configuration`,
        }),
      )
      expect(missing).toMatchObject({
        code: 'validation_failed',
        fieldErrors: { discoveryUrl: expect.anything() },
      })
      const dead = await rejectionOf(
        admin.upsertOAuth2Provider('users', {
          name: 'oidc3',
          clientId: 'x',
          clientSecret: oidc.clientSecret,
          discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
          userInfoURL: 'http://127.0.0.1:9/userinfo',
        }),
      )
      expect(dead).toMatchObject({ code: 'validation_failed' })
      expect(Object.keys((dead as { fieldErrors: object }).fieldErrors)).toEqual(['userInfoURL'])
      const methods = await client().listAuthMethods()
      expect(methods.oauth2.providers.map((provider) => provider.name)).not.toContain('oidc3')
      errors.push(missing, dead)
    })
  })

  describe('testEmail', () => {
    it('sends a mail through PocketBase to the SMTP sink', async () => {
      await admin.testEmail('ops@example.com')
      const mail = await sink.waitForMail({ to: 'ops@example.com' })
      expect(mail.subject.length).toBeGreaterThan(0)
    })

    it('reports a broken SMTP setup without its password', async () => {
      const password = `smtp-password-${randomBytes(6).toString('hex')}`
      secrets.push(password)
      await pb.api('PATCH', '/api/settings', {
        smtp: { enabled: true, host: '127.0.0.1', port: 9, username: 'mailer', password, tls: false },
      })
      try {
        const error = await rejectionOf(admin.testEmail('ops@example.com'))
        expect(error).toMatchObject({ code: 'validation_failed' })
        errors.push(error)
      } finally {
        await configureSmtp(pb, sink)
      }
    })
  })

  it('setRateLimits replaces the rules, turns the limiter on, and PocketBase enforces them', async () => {
    const limits = await admin.setRateLimits([
      { label: 'users:authWithPassword', maxRequests: 1, duration: 60 },
    ])
    expect(limits).toEqual({
      enabled: true,
      rules: [{ label: 'users:authWithPassword', maxRequests: 1, duration: 60, audience: '' }],
    })
    try {
      const body = { identity: 'nobody@example.com', password: 'wrong-password' }
      const statuses = []
      for (let i = 0; i < 3; i++) {
        statuses.push((await direct(pb.url, '/api/collections/users/auth-with-password', { body })).status)
      }
      expect(statuses).toEqual([400, 429, 429])
    } finally {
      await admin.setRateLimits([], { enabled: false })
    }
    const refused = await rejectionOf(
      admin.setRateLimits([{ label: 'no such label!', maxRequests: 1, duration: 1 }]),
    )
    expect(refused).toMatchObject({
      code: 'validation_failed',
      fieldErrors: { 'rateLimits.rules.0.label': expect.anything() },
    })
    const bad = await rejectionOf(admin.setRateLimits([{ label: '*:auth', maxRequests: 0, duration: 1 }]))
    expect((bad as ConfigError).issues).toEqual([
      { path: 'rules.0.maxRequests', message: expect.any(String) },
    ])
  })

  describe('API keys', () => {
    it('createApiKey issues a working, non-refreshable token with its expiry; revokeTokens ends it', async () => {
      await createAuthCollection(pb, 'services')
      const service = await createUser(pb, 'services', { verified: true })
      const before = Date.now()
      const key = await admin.createApiKey(service.id, {
        collection: 'services',
        durationSeconds: 90 * 86_400,
      })
      secrets.push(key.token)
      expect(key.expiresAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 90 * 86_400_000)
      expect(key.expiresAt).toBeLessThanOrEqual(Date.now() + 90 * 86_400_000)
      const read = await fetch(`${pb.url}/api/collections/services/records/${service.id}`, {
        headers: { authorization: key.token },
      })
      expect(read.status).toBe(200)
      const session = await direct(pb.url, '/api/collections/services/auth-with-password', {
        body: { identity: service.email, password: service.password },
      })

      await admin.revokeTokens(service.id, { collection: 'services' })
      expect(
        (await direct(pb.url, '/api/collections/services/auth-refresh', { token: key.token })).status,
      ).toBe(401)
      expect(
        (
          await direct(pb.url, '/api/collections/services/auth-refresh', {
            token: String(session.body.token),
          })
        ).status,
      ).toBe(401)
      // The password still works: only tokens were revoked.
      const again = await direct(pb.url, '/api/collections/services/auth-with-password', {
        body: { identity: service.email, password: service.password },
      })
      expect(again.status).toBe(200)
      expect(log.lines.some((line) => line.startsWith('warn all tokens of a record revoked'))).toBe(true)
    })

    it('checks arguments before any request', async () => {
      const error = await rejectionOf(
        admin.createApiKey('abc', { collection: 'services', durationSeconds: 0 }),
      )
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['options.durationSeconds'])
      expect(await rejectionOf(admin.revokeTokens('a b'))).toBeInstanceOf(ConfigError)
      expect(await rejectionOf(admin.createApiKey('nosuchrecord12', { durationSeconds: 60 }))).toMatchObject({
        code: 'not_found',
      })
    })
  })

  it('no client secret, SMTP password or API key in a result, a log line or an error', () => {
    const text = [
      ...log.lines,
      ...results.map((result) => JSON.stringify(result)),
      ...errors.flatMap((error) => [JSON.stringify(error), inspect(error, { showHidden: true, depth: 8 })]),
    ].join('\n')
    expect(secrets.length).toBeGreaterThanOrEqual(3)
    for (const secret of secrets) expect(text).not.toContain(secret)
  })
})
