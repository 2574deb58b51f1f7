/**
 * `getSession()`: a token is refreshed once half its life has passed (concurrent requests with the same cookie
 * share one refresh), a rejected one ends the session and deletes the cookie, an outage keeps a still-valid token,
 * and an official-SDK `pb_auth` cookie is confirmed with PocketBase before anything trusts it.
 */
import { describe, expect, it } from 'vitest'
import { AuthClient, createDbInterface, isAuthError } from '../../src/index.js'
import { createRequestAuth, type RequestAuthOptions } from '../../src/ssr/node.js'
import { json } from '../hardening/fake-fetch.js'
import { makeAuthResponse, makeJwt, PB_BODIES } from '../helpers/factories.js'
import { FakeBrowser, SECRET } from './helpers.js'
import { PB, ssrFakePocketBase } from './fake-pocketbase.js'

let clock = 1_800_000_000_000
const now = (): number => clock
const pb = ssrFakePocketBase(now)

function client(browser: FakeBrowser, extra: Partial<RequestAuthOptions> = {}) {
  const cookies = browser.request()
  const auth = createRequestAuth({ url: PB, secret: SECRET, cookies, fetch: pb.fetch, now, ...extra })
  return { auth, cookies }
}

async function signedInBrowser(): Promise<FakeBrowser> {
  pb.reset()
  const browser = new FakeBrowser(now)
  await client(browser).auth.authWithPassword('alice@example.com', 'pw')
  return browser
}

describe('getSession', () => {
  it('returns the cookie session without a request until half the token life has passed, then refreshes once', async () => {
    const browser = await signedInBrowser()
    const first = browser.get('pb_auth')
    const refreshes = pb.count('auth-refresh')
    clock += 1_700_000
    expect((await client(browser).auth.getSession())?.recordId).toBe('record1234567ab')
    expect(pb.count('auth-refresh')).toBe(refreshes)
    clock += 200_000 // 52.8% of 3600 s
    const { auth, cookies } = client(browser)
    const events: string[] = []
    auth.on('tokenRefreshed', () => events.push('tokenRefreshed'))
    const session = await auth.getSession()
    expect(pb.count('auth-refresh')).toBe(refreshes + 1)
    expect(events).toEqual(['tokenRefreshed'])
    expect(cookies.set.map((cookie) => cookie.name)).toEqual(['pb_auth'])
    expect(browser.get('pb_auth')).not.toBe(first)
    expect(client(browser).auth.session?.token).toBe(session?.token)
    expect(session?.expiresAt).toBeGreaterThan(clock + 3_500_000)
  })

  it('refreshAfterShare moves the moment', async () => {
    const browser = await signedInBrowser()
    const refreshes = pb.count('auth-refresh')
    clock += 2_000_000
    await client(browser, { refreshAfterShare: 0.9 }).auth.getSession()
    expect(pb.count('auth-refresh')).toBe(refreshes)
    await client(browser, { refreshAfterShare: 0.5 }).auth.getSession()
    expect(pb.count('auth-refresh')).toBe(refreshes + 1)
  })

  it('shares one refresh among concurrent requests carrying the same cookie', async () => {
    const browser = await signedInBrowser()
    clock += 2_000_000
    const before = pb.count('auth-refresh')
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    pb.answer('auth-refresh', async () => {
      await held
      return json(makeAuthResponse({ claims: { exp: Math.floor(clock / 1000) + 3600 }, nowMs: clock }))
    })
    const requests = Array.from({ length: 20 }, () => client(browser))
    const pending = requests.map(({ auth }) => auth.getSession())
    await new Promise((resolve) => setTimeout(resolve, 20))
    release()
    const sessions = await Promise.all(pending)
    expect(pb.count('auth-refresh')).toBe(before + 1)
    expect(new Set(sessions.map((session) => session?.token)).size).toBe(1)
    for (const { cookies } of requests) expect(cookies.set.map((cookie) => cookie.name)).toEqual(['pb_auth'])
    pb.reset()
  })

  it('a token the server rejects ends the session (signedOut) and deletes the cookie', async () => {
    const browser = await signedInBrowser()
    clock += 2_000_000
    pb.answer('auth-refresh', () => json(PB_BODIES.requiresAuth, 401))
    const { auth } = client(browser)
    const reasons: string[] = []
    auth.on('signedOut', ({ reason }) => reasons.push(reason))
    expect(await auth.getSession()).toBeNull()
    expect(reasons).toEqual(['revoked'])
    expect(browser.names()).toEqual([])
    pb.reset()
  })

  it('a rejected session cookie leaves a pending OAuth2 sign-in alone: its callback still completes', async () => {
    const browser = await signedInBrowser()
    const redirectUrl = 'https://app.example.com/auth/callback'
    clock += 2_000_000 // past half the session's life: the next getSession() refreshes
    const { state } = await client(browser).auth.startOAuth2('oidc', { redirectUrl })
    expect(browser.names()).toEqual(['pb_auth', 'pb_auth_oauth2'])
    pb.answer('auth-refresh', () => json(PB_BODIES.requiresAuth, 401))
    // Middleware on the callback request: getSession() finds the old session revoked.
    expect(await client(browser).auth.getSession()).toBeNull()
    expect(browser.names()).toEqual(['pb_auth_oauth2'])
    pb.reset()
    const session = await client(browser).auth.completeOAuth2(`${redirectUrl}?state=${state}&code=the-code`)
    expect(session.recordId).toBe('record1234567ab')
    expect(browser.names()).toEqual(['pb_auth'])
  })

  it('an outage keeps a still-valid token; an expired one throws the transport error and keeps the cookie', async () => {
    const browser = await signedInBrowser()
    clock += 2_000_000
    pb.answer('auth-refresh', () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
    })
    const kept = await client(browser).auth.getSession()
    expect(kept?.recordId).toBe('record1234567ab')
    const value = browser.get('pb_auth')!
    clock += 1_700_000
    browser.put('pb_auth', value) // past its Max-Age: a browser whose clock is behind still sends it
    const error = await client(browser)
      .auth.getSession()
      .catch((e: unknown) => e)
    expect(isAuthError(error) && error.code).toBe('network')
    expect(browser.names()).toEqual(['pb_auth'])
    pb.reset()
  })

  it('an expired impersonation (non-refreshable) token ends the session', async () => {
    pb.reset()
    const browser = new FakeBrowser(now)
    pb.answer('auth-with-password', () =>
      json(
        makeAuthResponse({
          claims: { refreshable: false, exp: Math.floor(clock / 1000) + 60 },
          nowMs: clock,
        }),
      ),
    )
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    pb.reset()
    clock += 30_000
    expect((await client(browser).auth.getSession())?.refreshable).toBe(false)
    const refreshes = pb.count('auth-refresh')
    clock += 31_000
    browser.put('pb_auth', browser.get('pb_auth') ?? '') // the browser kept it past its Max-Age
    expect(await client(browser).auth.getSession()).toBeNull()
    expect(pb.count('auth-refresh')).toBe(refreshes)
  })
})

describe("the official SDK's pb_auth cookie", () => {
  const legacy = (token: string): string =>
    encodeURIComponent(JSON.stringify({ token, record: { id: 'record1234567ab', role: 'admin' } }))

  it('is trusted only after PocketBase confirms its token, then rewritten in the signed format', async () => {
    pb.reset()
    const browser = new FakeBrowser(now)
    const token = makeJwt({}, clock)
    browser.put('pb_auth', legacy(token))
    const { auth } = client(browser)
    expect(auth.session).toBeNull()
    const before = pb.count('auth-refresh')
    const session = await auth.getSession()
    expect(pb.count('auth-refresh')).toBe(before + 1)
    const sent = pb.requests.filter((request) => request.path.endsWith('/auth-refresh')).at(-1)
    expect(sent?.headers.get('authorization')).toBe(token)
    expect(session?.record.role).toBeUndefined() // the record comes from PocketBase, not from the cookie
    expect(browser.get('pb_auth')?.startsWith('v1~')).toBe(true)
    expect(client(browser).auth.session?.token).toBe(session?.token)
  })

  it('an outage keeps it: each later getSession() of the request asks again, concurrent ones share one request', async () => {
    pb.reset()
    const browser = new FakeBrowser(now)
    browser.put('pb_auth', legacy(makeJwt({}, clock)))
    pb.answer('auth-refresh', () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
    })
    const { auth } = client(browser)
    const before = pb.count('auth-refresh')
    const [first, second] = await Promise.allSettled([auth.getSession(), auth.getSession()])
    expect(pb.count('auth-refresh')).toBe(before + 1)
    for (const outcome of [first, second]) expect(outcome).toMatchObject({ reason: { code: 'network' } })
    await expect(auth.getSession()).rejects.toMatchObject({ code: 'network' }) // not null: still unknown
    expect(pb.count('auth-refresh')).toBe(before + 2)
    expect(browser.names()).toEqual(['pb_auth']) // an outage deletes nothing
    pb.reset()
    expect((await auth.getSession())?.recordId).toBe('record1234567ab')
    expect(browser.get('pb_auth')?.startsWith('v1~')).toBe(true)
  })

  it("a caller's signal ends its own wait only: the other caller gets the confirmed session", async () => {
    pb.reset()
    const browser = new FakeBrowser(now)
    browser.put('pb_auth', legacy(makeJwt({}, clock)))
    const { auth } = client(browser)
    const before = pb.count('auth-refresh')
    const controller = new AbortController()
    const [aborted, waited] = [auth.getSession({ signal: controller.signal }), auth.getSession()]
    controller.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' })
    expect((await waited)?.recordId).toBe('record1234567ab')
    expect(pb.count('auth-refresh')).toBe(before + 1)
    expect(browser.get('pb_auth')?.startsWith('v1~')).toBe(true)
  })

  it('is deleted when PocketBase rejects its token', async () => {
    pb.reset()
    const browser = new FakeBrowser(now)
    browser.put('pb_auth', legacy(makeJwt({}, clock)))
    pb.answer('auth-refresh', () => json(PB_BODIES.requiresAuth, 401))
    expect(await client(browser).auth.getSession()).toBeNull()
    expect(browser.names()).toEqual([])
    pb.reset()
  })
})

describe('sharing refreshes', () => {
  it('shares only among requests with the same token: two browsers refresh twice', async () => {
    const [one, two] = await Promise.all([signedInBrowser(), signedInBrowser()])
    clock += 2_000_000
    const before = pb.count('auth-refresh')
    const sessions = await Promise.all([client(one).auth.getSession(), client(two).auth.getSession()])
    expect(pb.count('auth-refresh')).toBe(before + 2)
    expect(sessions[0]?.token).not.toBe(sessions[1]?.token)
  })

  it('a request client is an AuthClient: the db-interface and getToken() use its cookie session', async () => {
    const browser = await signedInBrowser()
    const { auth } = client(browser)
    expect(auth).toBeInstanceOf(AuthClient)
    pb.answer('records', () => json({ page: 1, perPage: 30, totalItems: 0, totalPages: 0, items: [] }))
    await createDbInterface(auth).collection('posts').getList(1, 30)
    const sent = pb.requests.at(-1)
    expect(sent?.headers.get('authorization')).toBe(auth.session?.token)
    expect(await auth.getToken()).toBe(auth.session?.token)
    pb.reset()
  })
})
