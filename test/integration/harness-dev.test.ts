import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  configureOidc,
  configureSmtp,
  createUser,
  enableOtp,
  followAuthorize,
  startCountingProxy,
  startOidcProvider,
  startSmtpSink,
  type OidcProvider,
  type SmtpSink,
} from '../../dev/index.js'
import {
  extractActionToken,
  extractOtpCode,
  startPocketBase,
  type PocketBaseHandle,
} from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('dev harness tests')

async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) }
}

describe.skipIf(bin === undefined)(
  'dev-only harness (own SMTP sink, OIDC provider, proxy) against a real PocketBase',
  () => {
    let pb: PocketBaseHandle
    let sink: SmtpSink
    let oidc: OidcProvider
    const extras: { stop(): Promise<void> }[] = []

    beforeAll(async () => {
      ;[pb, sink, oidc] = await Promise.all([startPocketBase(), startSmtpSink(), startOidcProvider()])
      await configureSmtp(pb, sink)
      await enableOtp(pb, 'users')
      await configureOidc(pb, 'users', oidc)
    })

    afterEach(async () => {
      await Promise.all(extras.splice(0).map((extra) => extra.stop()))
    })

    afterAll(async () => {
      await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
    })

    it('delivers an OTP mail whose code auth-with-otp accepts', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const requested = await postJson(`${pb.url}/api/collections/users/request-otp`, { email: user.email })
      expect(requested.status).toBe(200)
      const { otpId } = requested.body as { otpId: string }

      const mail = await sink.waitForMail({ to: user.email, subjectIncludes: 'Code' })
      const code = extractOtpCode(mail)
      expect(code).toMatch(/^\d{6}$/)
      expect(mail.text).toContain(`one-time password is: ${code}`)
      expect(mail.html).toContain(`<strong>${code}</strong>`)
      expect(mail.from).toBe('noreply@example.com')

      const auth = await postJson(`${pb.url}/api/collections/users/auth-with-otp`, { otpId, password: code })
      expect(auth.status).toBe(200)
      expect(auth.body).toMatchObject({
        record: { id: user.id, email: user.email },
        token: expect.any(String),
      })
    })

    it('delivers a verification link whose token confirm-verification accepts', async () => {
      const user = await createUser(pb, 'users')
      const sent = await postJson(`${pb.url}/api/collections/users/request-verification`, {
        email: user.email,
      })
      expect(sent.status).toBe(204)

      const mail = await sink.waitForMail({ to: user.email, subjectIncludes: 'Verify' })
      const token = extractActionToken(mail, 'verification')
      expect(mail.text).toContain(`${pb.url}/_/#/auth/confirm-verification/${token}`)
      const confirmed = await postJson(`${pb.url}/api/collections/users/confirm-verification`, { token })
      expect(confirmed.status).toBe(204)
      const record = await pb.api<{ verified: boolean }>('GET', `/api/collections/users/records/${user.id}`)
      expect(record.verified).toBe(true)
    })

    it('runs the OIDC code flow: authorize, callback code, auth-with-oauth2', async () => {
      const suffix = Math.random().toString(36).slice(2, 10)
      const person = {
        sub: `sub-${suffix}`,
        email: `oidc-${suffix}@example.com`,
        email_verified: true,
        name: 'Ann',
      }
      oidc.setUser(person)
      const methods = await (await fetch(`${pb.url}/api/collections/users/auth-methods`)).json()
      const provider = (
        methods as {
          oauth2: { providers: { name: string; authURL: string; state: string; codeVerifier: string }[] }
        }
      ).oauth2.providers.find((p) => p.name === 'oidc')
      expect(provider).toBeDefined()
      const redirectURL = 'http://127.0.0.1:9/callback'

      const callback = await followAuthorize(provider!.authURL, { redirectURL })
      expect(`${callback.origin}${callback.pathname}`).toBe(redirectURL)
      expect(callback.searchParams.get('state')).toBe(provider!.state)
      const code = callback.searchParams.get('code')
      expect(code).toBeTruthy()

      const body = { provider: 'oidc', code, codeVerifier: provider!.codeVerifier, redirectURL }
      const auth = await postJson(`${pb.url}/api/collections/users/auth-with-oauth2`, body)
      expect(auth.status).toBe(200)
      expect(auth.body).toMatchObject({
        record: { email: person.email, name: 'Ann', verified: true },
        meta: { id: person.sub, isNew: true },
      })
      const reused = await postJson(`${pb.url}/api/collections/users/auth-with-oauth2`, body)
      expect(reused.status).toBe(400)
    })

    it('denies the next authorization on demand, then grants again', async () => {
      const authorize = `${oidc.authURL}?response_type=code&client_id=${oidc.clientId}&state=s1&redirect_uri=`
      const redirectURL = 'http://127.0.0.1:9/callback'
      oidc.denyNext()
      const denied = await followAuthorize(authorize, { redirectURL })
      expect(denied.searchParams.get('error')).toBe('access_denied')
      expect(denied.searchParams.get('state')).toBe('s1')
      expect(denied.searchParams.has('code')).toBe(false)
      const granted = await followAuthorize(authorize, { redirectURL })
      expect(granted.searchParams.get('code')).toBeTruthy()
    })

    it('counts requests through the proxy and passes responses through', async () => {
      const proxy = await startCountingProxy(pb.url)
      extras.push(proxy)
      const health = await fetch(`${proxy.url}/api/health?x=1`)
      expect(health.status).toBe(200)
      expect(health.headers.get('date')).toBeTruthy()
      expect(health.headers.get('x-frame-options')).toBe('SAMEORIGIN')
      await health.body?.cancel()
      await (await fetch(`${proxy.url}/api/health`)).body?.cancel()
      const failed = await postJson(`${proxy.url}/api/collections/users/auth-with-password`, {
        identity: 'nobody@example.com',
        password: 'wrong-password',
      })
      expect(failed).toEqual({
        status: 400,
        body: { data: {}, message: 'Failed to authenticate.', status: 400 },
      })

      expect(proxy.count('GET /api/health')).toBe(2)
      expect(proxy.count('POST /api/collections/users/auth-with-password')).toBe(1)
      expect(proxy.counts()).toEqual({
        'GET /api/health': 2,
        'POST /api/collections/users/auth-with-password': 1,
      })
      proxy.reset()
      expect(proxy.count('GET /api/health')).toBe(0)
    })
  },
)
