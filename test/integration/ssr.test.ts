/**
 * `pocketbase-auth/ssr` against a real PocketBase (behind a counting proxy), a real SMTP sink and a real OpenID
 * provider, with a cookie jar playing the browser: what each request asks PocketBase, sign-ins that span requests
 * (each request a new client, as in another process), the official SDK's cookie, and the server's `cookie` option.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { syncBuiltinESMExports } from 'node:module'
import PocketBase from 'pocketbase'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  configureOidc,
  enableMfa,
  enableOtp,
  followAuthorize,
  startCountingProxy,
  startOidcProvider,
  type CountingProxy,
  type OidcProvider,
} from '../../dev/index.js'
import { isAuthError } from '../../src/index.js'
import { authenticate, createTokenVerifier } from '../../src/server/node.js'
import { createRequestAuth } from '../../src/ssr/node.js'
import { extractOtpCode, startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { FakeBrowser, SECRET } from '../ssr/helpers.js'

const bin = pocketBaseBinaryForTests('ssr integration tests')
const REFRESH = 'POST /api/collections/users/auth-refresh'
const REDIRECT = 'http://127.0.0.1:9/auth/callback'

describe.skipIf(bin === undefined)('pocketbase-auth/ssr against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let oidc: OidcProvider
  let proxy: CountingProxy

  const client = (browser: FakeBrowser, now?: () => number) =>
    createRequestAuth({
      url: proxy.url,
      secret: SECRET,
      cookies: browser.request(),
      ...(now === undefined ? {} : { now }),
    })

  /** A browser signed in as a new user, and a clock 60% into its token's life (past `refreshAfterShare`). */
  async function signedIn(): Promise<{ browser: FakeBrowser; id: string; due: () => number }> {
    const user = await pb.createUser({ verified: true })
    const browser = new FakeBrowser()
    const session = await client(browser).authWithPassword(user.email, user.password)
    const shift = (session.expiresAt - session.issuedAt) * 0.6
    return { browser, id: user.id, due: () => Date.now() + shift }
  }

  beforeAll(async () => {
    ;[pb, oidc] = await Promise.all([startPocketBase(), startOidcProvider()])
    await enableOtp(pb, 'users')
    await configureOidc(pb, 'users', oidc)
    await enableMfa(pb, 'users', { rule: "email ~ 'mfa'" })
    proxy = await startCountingProxy(pb.url)
  })
  afterAll(async () => {
    await Promise.all([proxy?.stop(), oidc?.stop(), pb?.stop()])
  })

  it('a page with a cookie whose token is not due asks PocketBase nothing', async () => {
    const { browser } = await signedIn()
    proxy.reset()
    for (let i = 0; i < 20; i++) expect((await client(browser).getSession())?.collectionName).toBe('users')
    expect(proxy.counts()).toEqual({})
  })

  it('concurrent requests with the same due cookie share one refresh, and each writes the new cookie', async () => {
    const { browser, due } = await signedIn()
    proxy.reset()
    const requests = Array.from({ length: 25 }, () => browser.request())
    const sessions = await Promise.all(
      requests.map((cookies) =>
        createRequestAuth({ url: proxy.url, secret: SECRET, cookies, now: due }).getSession(),
      ),
    )
    expect(proxy.count(REFRESH)).toBe(1)
    expect(new Set(sessions.map((session) => session?.token)).size).toBe(1)
    for (const cookies of requests) expect(cookies.set.map((cookie) => cookie.name)).toEqual(['pb_auth'])
  })

  it('a token PocketBase no longer accepts (password changed) ends the session and deletes the cookie', async () => {
    const { browser, id, due } = await signedIn()
    await pb.api('PATCH', `/api/collections/users/records/${id}`, {
      password: 'a-new-password-123',
      passwordConfirm: 'a-new-password-123',
    })
    const auth = createRequestAuth({
      url: proxy.url,
      secret: SECRET,
      cookies: browser.request(),
      now: due,
    })
    const reasons: string[] = []
    auth.on('signedOut', ({ reason }) => reasons.push(reason))
    expect(await auth.getSession()).toBeNull()
    expect(reasons).toEqual(['revoked'])
    expect(browser.names()).toEqual([])
  })

  it('an official SDK pb_auth cookie is confirmed with PocketBase and rewritten in the signed format', async () => {
    const user = await pb.createUser({ verified: true })
    const official = new PocketBase(pb.url)
    await official.collection('users').authWithPassword(user.email, user.password)
    const header = official.authStore.exportToCookie({ httpOnly: true })
    const browser = new FakeBrowser()
    browser.put('pb_auth', /^pb_auth=([^;]*)/.exec(header)![1]!)
    proxy.reset()
    const session = await client(browser).getSession()
    expect(session?.recordId).toBe(user.id)
    expect(proxy.count(REFRESH)).toBe(1)
    expect(browser.get('pb_auth')?.startsWith('v1~')).toBe(true)
    proxy.reset()
    expect((await client(browser).getSession())?.recordId).toBe(user.id)
    expect(proxy.counts()).toEqual({})
  })

  it('OAuth2 started by one request completes in the next (a new client, as in another process), once', async () => {
    const browser = new FakeBrowser()
    const { url } = await client(browser).startOAuth2('oidc', { redirectUrl: REDIRECT })
    const callback = await followAuthorize(url)
    const session = await client(browser).completeOAuth2(callback)
    expect(session.record.email).toBe(oidc.user().email)
    expect(browser.names()).toEqual(['pb_auth'])
    const again = await client(browser)
      .completeOAuth2(callback)
      .catch((error: unknown) => error)
    expect(isAuthError(again) && again.code).toBe('oauth2_state_invalid')
  })

  it('MFA across requests: a password in one, the mailed code in the next', async () => {
    const user = await pb.createUser({ email: `mfa-${Date.now()}@example.com`, verified: true })
    const browser = new FakeBrowser()
    const first = client(browser)
    const error = await first.authWithPassword(user.email, user.password).catch((e: unknown) => e)
    expect(isAuthError(error) && error.code).toBe('mfa_required')
    await first.requestOTP(user.email)
    const code = extractOtpCode(await pb.mail.next(user.email, { subjectIncludes: 'Code' }))
    const second = client(browser)
    const { otp, mfa } = await second.pendingSignIn()
    expect(mfa?.firstFactor).toBe('password')
    const session = await second.authWithOTP(otp!.otpId, code)
    expect(session.recordId).toBe(user.id)
    expect(browser.names()).toEqual(['pb_auth'])
  })

  it('no node:fs write during sign-in, refresh, a server check and sign-out carries a token', async () => {
    const writers = [
      'writeFileSync',
      'writeFile',
      'appendFileSync',
      'appendFile',
      'createWriteStream',
      'writeSync',
    ] as const
    const spies = [
      ...writers.map((name) => vi.spyOn(fs, name)),
      vi.spyOn(fs.promises, 'writeFile'),
      vi.spyOn(fs.promises, 'appendFile'),
    ]
    syncBuiltinESMExports()
    const tokens: string[] = []
    const control = path.join(os.tmpdir(), `pb-auth-ssr-control-${process.pid}`)
    let written: string[] = []
    try {
      const { browser, due } = await signedIn()
      tokens.push(client(browser).session!.token)
      const refreshed = await createRequestAuth({
        url: proxy.url,
        secret: SECRET,
        cookies: browser.request(),
        now: due,
      }).getSession()
      tokens.push(refreshed!.token)
      const cookie = browser
        .list()
        .map(({ name, value }) => `${name}=${value}`)
        .join('; ')
      await authenticate(
        new Request('http://app.test/', { headers: { cookie } }),
        createTokenVerifier({ url: pb.url }),
        { cookie: true },
      )
      client(browser).logout()
      fs.writeFileSync(control, 'control write')
    } finally {
      fs.rmSync(control, { force: true })
      written = spies.flatMap((spy) =>
        spy.mock.calls
          .flat()
          .map((arg) =>
            typeof arg === 'string' || arg instanceof Uint8Array ? Buffer.from(arg).toString('latin1') : '',
          ),
      )
      for (const spy of spies) spy.mockRestore()
      syncBuiltinESMExports()
    }
    expect(written).toContain('control write') // the spies see writes
    for (const token of tokens) for (const text of written) expect(text).not.toContain(token)
  })

  it("pocketbase-auth/server's cookie option verifies the session cookie's token with PocketBase", async () => {
    const { browser } = await signedIn()
    const verifier = createTokenVerifier({ url: pb.url })
    const cookie = browser
      .list()
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ')
    const who = await authenticate(
      new Request('http://app.test/account', { headers: { cookie } }),
      verifier,
      { cookie: true },
    )
    expect(who?.recordId).toBe(client(browser).session?.recordId)
  })
})
