/**
 * Login CSRF against the README's web pattern, with a real PocketBase, a real OpenID provider, a real node:http
 * app and two cookie-keeping "browsers". The attacker starts a sign-in on the app with their own provider
 * account, stops before their browser follows the provider's redirect, and gets the victim's browser to open that
 * callback URL. With the state bound to the browser in a cookie and passed as `expectedState`, the victim is not
 * signed in; without it (the app this pattern replaces), the victim ends up signed in as the attacker.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { configureOidc, startCountingProxy, startOidcProvider } from '../../dev/index.js'
import type { CountingProxy, OidcProvider, OidcUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createAuthClient, isAuthError, type AuthClient } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('oauth2 login CSRF tests')

const STATE_COOKIE = 'pb_oauth2_state'
const EXCHANGE = 'POST /api/collections/users/auth-with-oauth2'

function newPerson(role: string): OidcUser {
  const suffix = randomBytes(5).toString('hex')
  return { sub: `sub-${suffix}`, email: `${role}-${suffix}@example.com`, email_verified: true, name: role }
}

function cookiesOf(request: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at > 0) cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
  }
  return cookies
}

/** A web app using one AuthClient for the OAuth2 dance, and its own session cookie (`sid`) per browser. */
interface WebApp {
  readonly url: string
  stop(): Promise<void>
}

/**
 * The README's pattern: `/login` starts the sign-in and binds its state to the browser in an HttpOnly,
 * SameSite=Lax cookie; `/callback` passes that cookie as `expectedState`. With `bindState: false` it is the
 * pattern without the binding, to show the attack it stops.
 */
async function startWebApp(auth: AuthClient, bindState: boolean): Promise<WebApp> {
  const sessions = new Map<string, string>() // sid -> the signed-in email
  const server: Server = createServer((request, response) => void route(request, response))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const target = new URL(request.url ?? '/', url)
    const cookies = cookiesOf(request)
    try {
      if (target.pathname === '/login') {
        const { url: providerUrl, state } = await auth.startOAuth2('oidc', { redirectUrl: `${url}/callback` })
        response.setHeader(
          'Set-Cookie',
          `${STATE_COOKIE}=${state}; HttpOnly; SameSite=Lax; Path=/; Max-Age=600`,
        )
        response.writeHead(302, { Location: providerUrl }).end()
      } else if (target.pathname === '/callback') {
        const options = bindState ? { expectedState: cookies.get(STATE_COOKIE) } : {}
        const session = await auth.completeOAuth2(target, options)
        const sid = randomBytes(16).toString('hex')
        const email = session.record.email ?? session.recordId
        sessions.set(sid, email)
        response.setHeader('Set-Cookie', [
          `sid=${sid}; HttpOnly; SameSite=Lax; Path=/`,
          `${STATE_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`,
        ])
        response.writeHead(200).end(`Signed in as ${email}`)
      } else if (target.pathname === '/me') {
        const email = sessions.get(cookies.get('sid') ?? '')
        response.writeHead(email === undefined ? 401 : 200).end(email ?? 'not signed in')
      } else {
        response.writeHead(404).end()
      }
    } catch (error) {
      response.writeHead(400).end(`Sign-in failed: ${isAuthError(error) ? error.code : 'error'}`)
    }
  }

  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A browser that keeps the cookies of one site (the app) and follows redirects itself. */
class Browser {
  readonly #site: string
  readonly #cookies = new Map<string, string>()

  constructor(site: string) {
    this.#site = site
  }

  /** Opens `url` and follows redirects; stops before requesting a URL `stopBefore` accepts and returns it. */
  async open(
    url: string | URL,
    stopBefore: (next: URL) => boolean = () => false,
  ): Promise<{ url: URL; status: number; text: string }> {
    let next = new URL(url)
    for (let hop = 0; hop < 10; hop++) {
      if (hop > 0 && stopBefore(next)) return { url: next, status: 0, text: '' }
      const sameSite = next.origin === this.#site
      const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      const response = await fetch(next, {
        redirect: 'manual',
        headers: sameSite && cookie !== '' ? { cookie } : {},
      })
      if (sameSite) this.#keep(response.headers.getSetCookie())
      const location = response.headers.get('location')
      if (response.status >= 300 && response.status < 400 && location !== null) {
        await response.body?.cancel()
        next = new URL(location, next)
        continue
      }
      return { url: next, status: response.status, text: await response.text() }
    }
    throw new Error('too many redirects')
  }

  #keep(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';')
      const at = pair.indexOf('=')
      const name = pair.slice(0, at).trim()
      if (attributes.some((attribute) => attribute.trim().toLowerCase() === 'max-age=0'))
        this.#cookies.delete(name)
      else this.#cookies.set(name, pair.slice(at + 1).trim())
    }
  }
}

describe.skipIf(bin === undefined)('login CSRF against the web pattern, real PocketBase and provider', () => {
  let pb: PocketBaseHandle
  let oidc: OidcProvider
  let proxy: CountingProxy
  const stops: (() => Promise<void>)[] = []

  beforeAll(async () => {
    ;[pb, oidc] = await Promise.all([startPocketBase(), startOidcProvider()])
    await configureOidc(pb, 'users', oidc)
    proxy = await startCountingProxy(pb.url)
  })

  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()))
    proxy.reset()
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), pb?.stop(), oidc?.stop()])
  })

  async function app(bindState: boolean): Promise<WebApp> {
    const auth = createAuthClient({ url: proxy.url, autoRefresh: false })
    const web = await startWebApp(auth, bindState)
    stops.push(web.stop, async () => auth.dispose())
    return web
  }

  /** The attacker signs in at the provider with their own account and keeps the callback URL. */
  async function attackersCallback(web: WebApp, attacker: OidcUser): Promise<URL> {
    oidc.setUser(attacker)
    const stopped = await new Browser(web.url).open(
      `${web.url}/login`,
      (next) => next.pathname === '/callback',
    )
    expect(stopped.url.origin).toBe(web.url)
    expect(stopped.url.searchParams.get('code')).not.toBeNull()
    return stopped.url
  }

  it('a user signs in through the pattern: the state in their cookie matches their callback', async () => {
    const web = await app(true)
    const user = newPerson('user')
    oidc.setUser(user)
    const browser = new Browser(web.url)
    const landed = await browser.open(`${web.url}/login`)
    expect(landed).toMatchObject({ status: 200, text: `Signed in as ${user.email}` })
    expect(await browser.open(`${web.url}/me`)).toMatchObject({ status: 200, text: user.email })
  })

  it("the attacker's callback opened in a victim's browser does not sign the victim in", async () => {
    const web = await app(true)
    const attacker = newPerson('attacker')
    const callback = await attackersCallback(web, attacker)

    const victim = new Browser(web.url)
    const landed = await victim.open(callback)
    expect(landed).toMatchObject({ status: 400, text: 'Sign-in failed: oauth2_state_invalid' })
    expect(await victim.open(`${web.url}/me`)).toMatchObject({ status: 401 })
    expect(proxy.count(EXCHANGE)).toBe(0) // rejected before any request to PocketBase
  })

  it('a victim with a sign-in of their own in progress is not switched either, and finishes their own', async () => {
    const web = await app(true)
    const attacker = newPerson('attacker')
    const attackers = await attackersCallback(web, attacker)
    const victimUser = newPerson('victim')
    oidc.setUser(victimUser)
    const victim = new Browser(web.url)
    const own = await victim.open(`${web.url}/login`, (next) => next.pathname === '/callback')

    expect(await victim.open(attackers)).toMatchObject({
      status: 400,
      text: 'Sign-in failed: oauth2_state_invalid',
    })
    expect(await victim.open(`${web.url}/me`)).toMatchObject({ status: 401 })
    expect(await victim.open(own.url)).toMatchObject({
      status: 200,
      text: `Signed in as ${victimUser.email}`,
    })
    expect(await victim.open(`${web.url}/me`)).toMatchObject({ status: 200, text: victimUser.email })
  })

  it('without expectedState (the pattern this replaces), the same attack signs the victim in as the attacker', async () => {
    const web = await app(false)
    const attacker = newPerson('attacker')
    const callback = await attackersCallback(web, attacker)

    const victim = new Browser(web.url)
    expect(await victim.open(callback)).toMatchObject({ status: 200, text: `Signed in as ${attacker.email}` })
    expect(await victim.open(`${web.url}/me`)).toMatchObject({ status: 200, text: attacker.email })
  })
})
