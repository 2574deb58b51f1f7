/**
 * Sign-ins that span requests: OAuth2 keeps its state and verifier in a sealed cookie bound to the browser (a
 * callback in another browser signs nobody in), MFA keeps the `mfaId` and OTP the `otpId` in sealed cookies.
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ConfigError, isAuthError, MfaRequiredError } from '../../src/index.js'
import { createRequestAuth, type RequestAuthOptions } from '../../src/ssr/node.js'
import { json } from '../hardening/fake-fetch.js'
import { PB_BODIES } from '../helpers/factories.js'
import { FakeBrowser, OTHER_SECRET, SECRET } from './helpers.js'
import { AUTH_URL, PB, ssrFakePocketBase } from './fake-pocketbase.js'

let clock = 1_800_000_000_000
const now = (): number => clock
const pb = ssrFakePocketBase(now)
const REDIRECT = 'https://app.example.com/auth/callback'

function client(browser: FakeBrowser, extra: Partial<RequestAuthOptions> = {}) {
  const cookies = browser.request()
  const auth = createRequestAuth({ url: PB, secret: SECRET, cookies, fetch: pb.fetch, now, ...extra })
  return { auth, cookies }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  return isAuthError(error) ? error.code : `not an AuthError: ${String(error)}`
}

const callback = (state: string, extra = 'code=the-code'): string => `${REDIRECT}?state=${state}&${extra}`
const exchanges = (): number => pb.count('auth-with-oauth2')

describe('OAuth2 across requests', () => {
  it('startOAuth2 seals state and verifier into an HttpOnly, Lax, 10-minute cookie and returns the provider URL', async () => {
    const browser = new FakeBrowser(now)
    const { auth, cookies } = client(browser, { cookie: { sameSite: 'strict' } })
    const { url, state } = await auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    expect(url).toBe(AUTH_URL + encodeURIComponent(REDIRECT))
    expect(state).toBe('pb-state-1')
    expect(cookies.set).toHaveLength(1)
    const [cookie] = cookies.set
    expect(cookie?.name).toBe('pb_auth_oauth2')
    expect(cookie?.options).toMatchObject({ httpOnly: true, sameSite: 'lax', maxAge: 600 })
    expect(cookie?.value).not.toContain('verifier-secret-123')
    expect(Buffer.from(cookie!.value.replace(/\./g, ''), 'base64url').toString('latin1')).not.toContain(
      'verifier',
    )
  })

  it('the callback in the same browser exchanges the code with the sealed verifier, in another process', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    const { auth, cookies } = client(browser)
    const session = await auth.completeOAuth2(callback('pb-state-1'))
    const sent = pb.requests.filter((request) => request.path.endsWith('/auth-with-oauth2')).at(-1)
    expect(sent?.body).toMatchObject({
      provider: 'oidc',
      code: 'the-code',
      codeVerifier: 'verifier-secret-123',
      redirectURL: REDIRECT,
    })
    expect(session.recordId).toBe('record1234567ab')
    expect(cookies.set.map((cookie) => [cookie.name, cookie.options.maxAge > 0])).toEqual([
      ['pb_auth_oauth2', false],
      ['pb_auth', true],
    ])
    expect(browser.names()).toEqual(['pb_auth'])
    expect(await codeOf(client(browser).auth.completeOAuth2(callback('pb-state-1')))).toBe(
      'oauth2_state_invalid',
    )
  })

  it('login CSRF: a callback opened in a browser that did not start it fails and signs nobody in', async () => {
    const attacker = new FakeBrowser(now)
    await client(attacker).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    const victim = new FakeBrowser(now)
    const before = exchanges()
    const { auth, cookies } = client(victim)
    expect(await codeOf(auth.completeOAuth2(callback('pb-state-1')))).toBe('oauth2_state_invalid')
    expect(exchanges()).toBe(before)
    expect(auth.session).toBeNull()
    expect(cookies.set).toEqual([])
  })

  it("a callback with another state fails before anything is sent and leaves this browser's attempt usable", async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    const before = exchanges()
    expect(await codeOf(client(browser).auth.completeOAuth2(callback('someone-elses-state')))).toBe(
      'oauth2_state_invalid',
    )
    expect(
      await codeOf(
        client(browser).auth.completeOAuth2({ state: 'pb-state-1', code: 'c' }, { expectedState: 'x' }),
      ),
    ).toBe('oauth2_state_invalid')
    expect(exchanges()).toBe(before)
    expect((await client(browser).auth.completeOAuth2(callback('pb-state-1'))).recordId).toBe(
      'record1234567ab',
    )
  })

  it('an expired attempt, one sealed with an unknown secret, or a changed cookie is oauth2_state_invalid', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    const value = browser.get('pb_auth_oauth2')!
    expect(
      await codeOf(client(browser, { secret: OTHER_SECRET }).auth.completeOAuth2(callback('pb-state-1'))),
    ).toBe('oauth2_state_invalid')
    browser.put('pb_auth_oauth2', value.slice(0, -3) + (value.endsWith('AAA') ? 'BBB' : 'AAA'))
    expect(await codeOf(client(browser).auth.completeOAuth2(callback('pb-state-1')))).toBe(
      'oauth2_state_invalid',
    )
    browser.put('pb_auth_oauth2', value)
    clock += 11 * 60_000
    expect(await codeOf(client(browser).auth.completeOAuth2(callback('pb-state-1')))).toBe(
      'oauth2_state_invalid',
    )
  })

  it('the provider refusing is oauth2_failed with the provider error; a missing code too', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    const error = await client(browser)
      .auth.completeOAuth2(`${REDIRECT}?state=pb-state-1&error=access_denied`)
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'oauth2_failed', providerError: 'access_denied' })
    await client(browser).auth.startOAuth2('oidc', { redirectUrl: REDIRECT })
    expect(await codeOf(client(browser).auth.completeOAuth2(`${REDIRECT}?state=pb-state-1`))).toBe(
      'oauth2_failed',
    )
  })

  it('startOAuth2 refuses a request that cannot set cookies, and bad arguments before any request', async () => {
    const auth = createRequestAuth({
      url: PB,
      secret: SECRET,
      fetch: pb.fetch,
      now,
      cookies: { getAll: () => [] },
    })
    expect(await codeOf(auth.startOAuth2('oidc', { redirectUrl: REDIRECT }))).toBe('config_invalid')
    const before = pb.requests.length
    expect(await codeOf(client(new FakeBrowser(now)).auth.startOAuth2('', { redirectUrl: REDIRECT }))).toBe(
      'config_invalid',
    )
    expect(
      await codeOf(client(new FakeBrowser(now)).auth.startOAuth2('oidc', { redirectUrl: '/relative' })),
    ).toBe('config_invalid')
    expect(pb.requests.length).toBe(before)
    expect(
      await codeOf(client(new FakeBrowser(now)).auth.startOAuth2('github', { redirectUrl: REDIRECT })),
    ).toBe('oauth2_failed')
  })
})

describe('MFA and OTP across requests', () => {
  function mfaOnPassword(): void {
    pb.answer('auth-with-password', (request) =>
      (request.body as { mfaId?: string }).mfaId === undefined
        ? json(PB_BODIES.mfaRequired, 401)
        : json(PB_BODIES.mfaSameMethod, 400),
    )
  }

  it('a first factor that needs MFA leaves the mfaId in a sealed cookie; the next request finishes with OTP', async () => {
    const browser = new FakeBrowser(now)
    mfaOnPassword()
    const first = client(browser)
    const error = await first.auth.authWithPassword('alice@example.com', 'pw').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MfaRequiredError)
    expect(browser.names()).toEqual(['pb_auth_mfa'])
    expect(browser.get('pb_auth_mfa')).not.toContain(PB_BODIES.mfaRequired.mfaId)
    await first.auth.requestOTP('alice@example.com')
    expect(browser.names()).toEqual(['pb_auth_mfa', 'pb_auth_otp'])

    const second = client(browser)
    const pending = await second.auth.pendingSignIn()
    expect(pending.mfa).toMatchObject({ mfaId: PB_BODIES.mfaRequired.mfaId, firstFactor: 'password' })
    expect(pending.otp).toEqual({ otpId: 'otp-id-1', email: 'alice@example.com' })
    await second.auth.authWithOTP(pending.otp!.otpId, '123456')
    const sent = pb.requests.filter((request) => request.path.endsWith('/auth-with-otp')).at(-1)
    expect(sent?.body).toMatchObject({
      otpId: 'otp-id-1',
      password: '123456',
      mfaId: PB_BODIES.mfaRequired.mfaId,
    })
    expect(browser.names()).toEqual(['pb_auth'])
    pb.reset()
  })

  it('the same method again is a fresh first factor: no mfaId is sent with it', async () => {
    const browser = new FakeBrowser(now)
    mfaOnPassword()
    await client(browser)
      .auth.authWithPassword('alice@example.com', 'pw')
      .catch(() => undefined)
    const again = await client(browser)
      .auth.authWithPassword('alice@example.com', 'pw')
      .catch((e: unknown) => e)
    expect(again).toBeInstanceOf(MfaRequiredError)
    const sent = pb.requests.filter((request) => request.path.endsWith('/auth-with-password')).at(-1)
    expect(sent?.body).not.toHaveProperty('mfaId')
    pb.reset()
  })

  it('an mfaId PocketBase no longer knows deletes the MFA cookie', async () => {
    const browser = new FakeBrowser(now)
    mfaOnPassword()
    await client(browser)
      .auth.authWithPassword('alice@example.com', 'pw')
      .catch(() => undefined)
    pb.answer('auth-with-otp', () => json(PB_BODIES.mfaInvalid, 400))
    expect(await codeOf(client(browser).auth.authWithOTP('otp-id-1', '123456'))).toBe('invalid_credentials')
    expect(browser.names()).toEqual([])
    pb.reset()
  })

  it("rememberMfa keeps another entry's MFA (totp) without filling it into PocketBase sign-ins", async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.rememberMfa(
      new MfaRequiredError('sealed-by-totp', 'password', clock + 300_000, { secondFactor: 'totp' }),
    )
    const { auth } = client(browser)
    expect((await auth.pendingSignIn()).mfa).toEqual({
      mfaId: 'sealed-by-totp',
      firstFactor: 'password',
      secondFactor: 'totp',
      expiresAt: clock + 300_000,
    })
    await auth.authWithOTP('otp-id-1', '123456')
    const sent = pb.requests.filter((request) => request.path.endsWith('/auth-with-otp')).at(-1)
    expect(sent?.body).not.toHaveProperty('mfaId')
    expect(await codeOf(auth.rememberMfa(new Error('no') as MfaRequiredError))).toBe('config_invalid')
  })
})

describe('options', () => {
  const cookies = { getAll: () => [] }

  it('a missing or short secret is config_invalid naming the option or variable, never quoting it', () => {
    const short = 'too-short-secret-value'
    const saved = process.env.POCKETBASE_COOKIE_SECRET
    delete process.env.POCKETBASE_COOKIE_SECRET
    let errors: ConfigError[]
    try {
      errors = [
        () => createRequestAuth({ url: PB, cookies }),
        () => createRequestAuth({ url: PB, cookies, secret: short }),
        () => createRequestAuth({ url: PB, cookies, secret: [SECRET, short] }),
        () => createRequestAuth({ url: PB, cookies, secret: [] }),
      ].map((make) => {
        try {
          make()
        } catch (error) {
          return error as ConfigError
        }
        throw new Error('no error')
      })
    } finally {
      if (saved !== undefined) process.env.POCKETBASE_COOKIE_SECRET = saved
    }
    expect(errors.map((error) => error.issues.map((issue) => issue.path))).toEqual([
      ['secret (or POCKETBASE_COOKIE_SECRET)'],
      ['secret'],
      ['secret'],
      ['secret'],
    ])
    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigError)
      for (const shown of [
        error.message,
        JSON.stringify(error),
        inspect(error, { showHidden: true, depth: 9 }),
      ]) {
        expect(shown).not.toContain(short)
        expect(shown).not.toContain(SECRET)
      }
    }
  })

  it('reads POCKETBASE_COOKIE_SECRET and POCKETBASE_TOTP_GATE when the options are not given', async () => {
    const saved = { ...process.env }
    process.env.POCKETBASE_COOKIE_SECRET = SECRET
    process.env.POCKETBASE_TOTP_GATE = 'short'
    try {
      const error = (() => {
        try {
          createRequestAuth({ url: PB, cookies })
        } catch (e) {
          return e as ConfigError
        }
        return undefined
      })()
      expect(error?.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_TOTP_GATE'])
      process.env.POCKETBASE_TOTP_GATE = 'g'.repeat(32)
      const browser = new FakeBrowser(now)
      const auth = createRequestAuth({ url: PB, cookies: browser.request(), fetch: pb.fetch, now })
      await auth.authWithPassword('alice@example.com', 'pw')
      const sent = pb.requests.at(-1)
      expect(sent?.headers.get('x-pocketbase-auth-gate')).toBe('g'.repeat(32))
      expect(client(browser).auth.session).not.toBeNull()
    } finally {
      process.env = saved
    }
  })

  it('names every bad cookie option and unknown option at once', () => {
    try {
      createRequestAuth({
        url: 'not a url',
        secret: SECRET,
        cookies,
        cookie: { name: 'bad name', sameSite: 'lots' as 'lax', maxChunks: 0, path: 'relative' },
        refreshAfterShare: 2,
        autoRefresh: true,
      } as unknown as RequestAuthOptions)
      throw new Error('no error')
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.path).sort()).toEqual(
        [
          'autoRefresh',
          'cookie.maxChunks',
          'cookie.name',
          'cookie.path',
          'cookie.sameSite',
          'refreshAfterShare',
          'url',
        ].sort(),
      )
    }
    expect(() => createRequestAuth({ url: PB, secret: SECRET, cookies: {} as never })).toThrow(ConfigError)
    expect(() =>
      createRequestAuth({ url: PB, secret: SECRET, cookies, cookie: { sameSite: 'none', secure: false } }),
    ).toThrow(/'none' needs secure/)
  })
})
