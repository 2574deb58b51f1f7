/**
 * The request client's session cookie: written on sign-in with safe attributes, read back on the next request
 * without asking PocketBase, refused when changed, split into chunks of at most 4 kB, never silently dropped, and
 * deleted on sign-out; a request that cannot set cookies goes on.
 */
import { describe, expect, it, vi } from 'vitest'
import { ConfigError, type Logger } from '../../src/index.js'
import { createRequestAuth, type RequestAuthOptions } from '../../src/ssr/node.js'
import { createRequestAuth as createNeutral } from '../../src/ssr/index.js'
import { FakeBrowser, headerBytes, SECRET } from './helpers.js'
import { PB, ssrFakePocketBase } from './fake-pocketbase.js'

let clock = 1_800_000_000_000
const now = (): number => clock
const pb = ssrFakePocketBase(now)

function client(browser: FakeBrowser, extra: Partial<RequestAuthOptions> = {}) {
  const cookies = browser.request()
  const auth = createRequestAuth({ url: PB, secret: SECRET, cookies, fetch: pb.fetch, now, ...extra })
  return { auth, cookies }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const log = (level: string) => (message: string) => void lines.push(`${level}: ${message}`)
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}

describe('the session cookie', () => {
  it('is written on sign-in: HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age = the token life left', async () => {
    const browser = new FakeBrowser(now)
    const { auth, cookies } = client(browser)
    const session = await auth.authWithPassword('alice@example.com', 'pw')
    expect(cookies.set).toHaveLength(1)
    const [cookie] = cookies.set
    expect(cookie?.name).toBe('pb_auth')
    const { maxAge, ...attributes } = cookie!.options
    expect(attributes).toEqual({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' })
    expect(maxAge).toBe(Math.floor((session.expiresAt - clock) / 1000))
    expect(maxAge).toBeGreaterThan(3590)
    expect(cookie?.value.startsWith('v1~')).toBe(true)
    expect(auth.session).toBe(session)
  })

  it('leaves Secure off on http://localhost and 127.0.0.1 only', async () => {
    for (const [requestUrl, secure] of [
      ['http://localhost:3000/login', false],
      ['http://127.0.0.1:3000/', false],
      ['http://app.localhost/', false],
      ['https://localhost/', true],
      ['http://example.com/', true],
    ] as const) {
      const { auth, cookies } = client(new FakeBrowser(now), { requestUrl })
      await auth.authWithPassword('alice@example.com', 'pw')
      expect(cookies.set[0]?.options.secure, requestUrl).toBe(secure)
    }
  })

  it('keeps Secure on for a localhost request URL in production (a proxy forwarding Host: localhost)', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    try {
      const { auth, cookies } = client(new FakeBrowser(now), { requestUrl: 'http://localhost:3000/login' })
      await auth.authWithPassword('alice@example.com', 'pw')
      expect(cookies.set[0]?.options.secure).toBe(true)
      const explicit = client(new FakeBrowser(now), {
        requestUrl: 'http://localhost:3000/login',
        cookie: { secure: false },
      })
      await explicit.auth.authWithPassword('alice@example.com', 'pw')
      expect(explicit.cookies.set[0]?.options.secure).toBe(false)
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it("accepts a '__Host-' name (a sibling subdomain cannot plant it) and refuses one the browser would drop", async () => {
    const browser = new FakeBrowser(now)
    const cookie = { name: '__Host-pb_auth' }
    const { auth, cookies } = client(browser, { cookie })
    const session = await auth.authWithPassword('alice@example.com', 'pw')
    expect(cookies.set.map((set) => [set.name, set.options.secure, set.options.path])).toEqual([
      ['__Host-pb_auth', true, '/'],
    ])
    expect(client(browser, { cookie }).auth.session?.token).toBe(session.token)
    // On http://localhost too (browsers take Secure cookies from it), unless secure: false is explicit.
    const local = client(new FakeBrowser(now), { cookie, requestUrl: 'http://localhost:3000/login' })
    await local.auth.authWithPassword('alice@example.com', 'pw')
    expect(local.cookies.set[0]?.options.secure).toBe(true)
    for (const bad of [
      { name: '__Host-pb_auth', secure: false },
      { name: '__Host-pb_auth', domain: 'example.com' },
      { name: '__Host-pb_auth', path: '/app' },
      { name: '__Secure-pb_auth', secure: false },
    ]) {
      const error = (() => {
        try {
          client(new FakeBrowser(now), { cookie: bad })
        } catch (thrown) {
          return thrown
        }
        return undefined
      })()
      expect(error, JSON.stringify(bad)).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['cookie.name'])
    }
  })

  it('is read back by the next request without asking PocketBase, with the same token, record and times', async () => {
    const browser = new FakeBrowser(now)
    pb.record = { name: 'Alice', bio: 'Zoë 🦊' }
    const first = await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    const before = pb.requests.length
    clock += 60_000
    const { auth } = client(browser)
    expect(auth.session).toEqual(first)
    expect(auth.isAuthenticated).toBe(true)
    expect(await auth.getSession()).toEqual(first)
    expect(pb.requests.length).toBe(before)
    pb.record = {}
  })

  it('written by the Node build is read by the plain-JavaScript build and the other way round', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    const neutral = createNeutral({
      url: PB,
      secret: SECRET,
      cookies: browser.request(),
      fetch: pb.fetch,
      now,
    })
    expect(neutral.session?.recordId).toBe('record1234567ab')
    const other = new FakeBrowser(now)
    const written = createNeutral({ url: PB, secret: SECRET, cookies: other.request(), fetch: pb.fetch, now })
    await written.authWithPassword('alice@example.com', 'pw')
    expect(client(other).auth.session?.token).toBe(written.session?.token)
  })

  it('is ignored when its record was changed in the browser (a raised role), or it was signed with another secret', async () => {
    const browser = new FakeBrowser(now)
    pb.record = { role: 'user' }
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    pb.record = {}
    const [v, token, record, issuedAt, offset, tag] = browser.get('pb_auth')!.split('~')
    const raised = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(record!, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url')
    browser.put('pb_auth', [v, token, raised, issuedAt, offset, tag].join('~'))
    const logger = recordingLogger()
    expect(client(browser, { logger }).auth.session).toBeNull()
    expect(logger.lines.join('\n')).toMatch(/session cookie ignored/)
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    expect(client(browser, { secret: 'a-completely-different-secret-of-32-bytes' }).auth.session).toBeNull()
  })

  it('of another collection is ignored', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    expect(client(browser, { collection: 'staff' }).auth.session).toBeNull()
  })
})

describe('chunks', () => {
  const bigRecord = { bio: 'x'.repeat(6_000), about: 'é'.repeat(500) }

  it('a session that does not fit one cookie is split into chunks of at most 4,096 bytes and read back whole', async () => {
    const browser = new FakeBrowser(now)
    pb.record = bigRecord
    const { auth, cookies } = client(browser)
    const session = await auth.authWithPassword('alice@example.com', 'pw')
    pb.record = {}
    expect(cookies.set.map((cookie) => cookie.name)).toEqual(['pb_auth.0', 'pb_auth.1', 'pb_auth.2'])
    for (const cookie of cookies.set) expect(headerBytes(cookie)).toBeLessThanOrEqual(4096 - 96)
    expect(client(browser).auth.session).toEqual(session)
  })

  it('a smaller session replaces the chunks with one cookie, and a larger one replaces the cookie with chunks', async () => {
    const browser = new FakeBrowser(now)
    pb.record = bigRecord
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    pb.record = {}
    const small = client(browser)
    await small.auth.authWithPassword('alice@example.com', 'pw')
    expect(small.cookies.set.map((c) => [c.name, c.options.maxAge > 0])).toEqual([
      ['pb_auth', true],
      ['pb_auth.0', false],
      ['pb_auth.1', false],
      ['pb_auth.2', false],
    ])
    expect(browser.names()).toEqual(['pb_auth'])
    pb.record = { bio: 'y'.repeat(3_000) }
    const large = client(browser)
    await large.auth.authWithPassword('alice@example.com', 'pw')
    pb.record = {}
    expect(browser.names()).toEqual(['pb_auth.0', 'pb_auth.1'])
    expect(client(browser).auth.session?.record.bio).toBe('y'.repeat(3_000))
  })

  it('a session larger than maxChunks allows fails the sign-in with config_invalid and writes nothing', async () => {
    const browser = new FakeBrowser(now)
    pb.record = bigRecord
    const { auth, cookies } = client(browser, { cookie: { maxChunks: 2 } })
    const error = await auth.authWithPassword('alice@example.com', 'pw').catch((e: unknown) => e)
    pb.record = {}
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues[0]?.path).toBe('cookie.maxChunks')
    expect(cookies.set).toEqual([])
    expect(auth.session).toBeNull()
  })
})

describe('a request that cannot set cookies', () => {
  it('when setAll throws (a Next.js server component), the sign-in still resolves and later writes are skipped', async () => {
    const logger = recordingLogger()
    let calls = 0
    const auth = createRequestAuth({
      url: PB,
      secret: SECRET,
      fetch: pb.fetch,
      now,
      logger,
      cookies: {
        getAll: () => [],
        setAll: () => {
          calls++
          throw new Error('Cookies can only be modified in a Server Action or Route Handler')
        },
      },
    })
    const session = await auth.authWithPassword('alice@example.com', 'pw')
    expect(auth.session).toBe(session)
    await auth.authRefresh()
    expect(calls).toBe(1)
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toHaveLength(1)
  })

  it('without setAll, getSession uses a due token as it is and sends nothing', async () => {
    const browser = new FakeBrowser(now)
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    clock += 3_000_000 // 83% of the token's life
    const before = pb.count('auth-refresh')
    const auth = createRequestAuth({
      url: PB,
      secret: SECRET,
      fetch: pb.fetch,
      now,
      cookies: { getAll: () => browser.list() },
    })
    expect((await auth.getSession())?.recordId).toBe('record1234567ab')
    expect(pb.count('auth-refresh')).toBe(before)
  })
})

describe('sign-out', () => {
  it('deletes the session cookie, its chunks and the sign-in cookies, even when they are unreadable', async () => {
    const browser = new FakeBrowser(now)
    browser.put('pb_auth.0', 'garbage')
    browser.put('pb_auth.1', 'more')
    browser.put('pb_auth_otp', 'sealed?')
    browser.put('unrelated', 'keep')
    const { auth, cookies } = client(browser)
    const events: string[] = []
    auth.on('signedOut', ({ reason }) => events.push(reason))
    auth.logout()
    expect(browser.names()).toEqual(['unrelated'])
    expect(cookies.set.every((cookie) => cookie.options.maxAge === 0 && cookie.options.httpOnly)).toBe(true)
    expect(events).toEqual([]) // nothing valid to sign out of
    await client(browser).auth.authWithPassword('alice@example.com', 'pw')
    const second = client(browser)
    second.auth.on('signedOut', ({ reason }) => events.push(reason))
    second.auth.logout()
    expect(events).toEqual(['logout'])
    expect(browser.names()).toEqual(['unrelated'])
  })
})
