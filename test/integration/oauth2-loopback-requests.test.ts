/**
 * The loopback listener against requests a browser would never send: malformed request targets, callbacks of
 * other attempts, and foreign Host headers (DNS rebinding). Each is answered and ignored; the real callback that
 * follows still signs in. Driven over raw sockets, against a real PocketBase and OpenID provider.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configureOidc, followAuthorize, startOidcProvider } from '../../dev/index.js'
import type { OidcProvider, OidcUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import type { AuthClient, OAuth2AuthSession } from '../../src/index.js'
import { authWithOAuth2Loopback } from '../../src/node/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { useClients } from '../helpers/clients.js'
import {
  capturedOpenUrl,
  isListening,
  loopbackOf,
  rawGet,
  rawRequest,
  settle,
  stateOf,
} from '../node/loopback-http.js'

const bin = pocketBaseBinaryForTests('oauth2-loopback request tests')

function newPerson(): OidcUser {
  const suffix = randomBytes(5).toString('hex')
  return {
    sub: `sub-${suffix}`,
    email: `hostile-${suffix}@example.com`,
    email_verified: true,
    name: 'Hostile',
  }
}

/** A sign-in in progress: its authorize URL, loopback port and Host, and its outcome. */
interface Attempt {
  readonly url: string
  readonly port: number
  readonly host: string
  readonly state: string
  readonly person: OidcUser
  readonly outcome: Promise<{ value?: OAuth2AuthSession; error?: unknown }>
}

describe.skipIf(bin === undefined)(
  'authWithOAuth2Loopback ignores requests that are not the callback',
  () => {
    let pb: PocketBaseHandle
    let oidc: OidcProvider

    beforeAll(async () => {
      ;[pb, oidc] = await Promise.all([startPocketBase(), startOidcProvider()])
      await configureOidc(pb, 'users', oidc)
    })

    afterAll(async () => {
      await Promise.all([pb?.stop(), oidc?.stop()])
    })

    const client = useClients(() => pb.url)

    async function begin(auth: AuthClient): Promise<Attempt> {
      const person = newPerson()
      oidc.setUser(person)
      const { openUrl, opened } = capturedOpenUrl()
      const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))
      const url = await opened
      const loopback = loopbackOf(url)
      return { url, port: Number(loopback.port), host: loopback.host, state: stateOf(url), person, outcome }
    }

    /** The real browser comes back; the attempt must still sign in as the provider's user. */
    async function finish(auth: AuthClient, attempt: Attempt): Promise<void> {
      const page = await fetch(await followAuthorize(attempt.url))
      expect(page.status).toBe(200)
      await page.body?.cancel()
      const { value: session, error } = await attempt.outcome
      expect(error).toBeUndefined()
      expect(session?.record.email).toBe(attempt.person.email)
      expect(auth.session?.recordId).toBe(session?.recordId)
      expect(await isListening(attempt.port)).toBe(false)
    }

    it('a raw "GET //[" is answered 400 and neither crashes the process nor ends the wait', async () => {
      const auth = client()
      const attempt = await begin(auth)
      const answer = await rawGet(attempt.port, '//[', attempt.host)
      expect(answer.status).toBe(400)
      await finish(auth, attempt)
    })

    it.each([
      [
        'an absolute-form target naming another host',
        (a: Attempt) => `http://evil.example/callback?state=${a.state}`,
      ],
      ['a protocol-relative target', (a: Attempt) => `//evil.example/callback?state=${a.state}`],
      ['a backslash target', (a: Attempt) => `/\\evil.example/callback?state=${a.state}`],
      ['an asterisk target', () => '*'],
    ])('%s is answered 400 and ignored', async (_name, target) => {
      const auth = client()
      const attempt = await begin(auth)
      const answer = await rawGet(attempt.port, target(attempt), attempt.host)
      expect(answer.status).toBe(400)
      await finish(auth, attempt)
    })

    it.each([
      ['no state', () => '/callback?code=abc'],
      ['an empty state', () => '/callback?code=abc&state='],
      ['another state', () => '/callback?code=abc&state=not-this-attempt'],
      ['a longer state with the right prefix', (a: Attempt) => `/callback?code=abc&state=${a.state}x`],
      ['a state in broken percent-encoding', () => '/callback?code=abc&state=%E0%A4%A'],
      ['another state with an error', () => '/callback?error=access_denied&state=not-this-attempt'],
    ])('a callback with %s is answered 400 and ignored', async (_name, target) => {
      const auth = client()
      const attempt = await begin(auth)
      const answer = await rawGet(attempt.port, target(attempt), attempt.host)
      expect(answer.status).toBe(400)
      expect(answer.text).toContain('ignored')
      await finish(auth, attempt)
    })

    it('many wrong callbacks in a row are all answered 400; the wait goes on', async () => {
      const auth = client()
      const attempt = await begin(auth)
      for (let hit = 0; hit < 25; hit++) {
        const answer = await rawGet(attempt.port, `/callback?code=c${hit}&state=guess-${hit}`, attempt.host)
        expect(answer.status).toBe(400)
      }
      await finish(auth, attempt)
    })

    it('the real callback under a foreign Host (DNS rebinding) is answered 421; its code stays usable', async () => {
      const auth = client()
      const attempt = await begin(auth)
      const callback = await followAuthorize(attempt.url)
      const target = `${callback.pathname}${callback.search}`
      const rebound = await rawGet(attempt.port, target, `rebind.example:${attempt.port}`)
      expect(rebound.status).toBe(421)
      expect(auth.session).toBeNull()

      // The browser's own request (Host 127.0.0.1:PORT) with the same code signs in.
      const page = await fetch(callback)
      expect(page.status).toBe(200)
      await page.body?.cancel()
      const { value: session, error } = await attempt.outcome
      expect(error).toBeUndefined()
      expect(session?.record.email).toBe(attempt.person.email)
    })

    it.each([
      ['localhost:PORT', (a: Attempt) => `localhost:${a.port}`],
      ['127.0.0.1 without the port', () => '127.0.0.1'],
      ['127.0.0.1 on another port', (a: Attempt) => `127.0.0.1:${a.port === 1 ? 2 : a.port - 1}`],
      ['[::1]:PORT', (a: Attempt) => `[::1]:${a.port}`],
      ['a rebinding name on the right port', (a: Attempt) => `attacker.example:${a.port}`],
    ])('Host %s is answered 421 and ignored, for any path', async (_name, host) => {
      const auth = client()
      const attempt = await begin(auth)
      for (const target of [`/callback?state=${attempt.state}&code=abc`, '/favicon.ico', '//[']) {
        const answer = await rawGet(attempt.port, target, host(attempt))
        expect(answer.status).toBe(421)
      }
      await finish(auth, attempt)
    })

    it('a request without a Host header is answered 421 and ignored', async () => {
      const auth = client()
      const attempt = await begin(auth)
      const answer = await rawRequest(attempt.port, `GET /callback?state=${attempt.state}&code=abc HTTP/1.0`)
      expect(answer.status).toBe(421)
      await finish(auth, attempt)
    })

    it('the right Host with another path is answered 404 and ignored', async () => {
      const auth = client()
      const attempt = await begin(auth)
      const answer = await rawGet(attempt.port, '/favicon.ico', attempt.host)
      expect(answer.status).toBe(404)
      await finish(auth, attempt)
    })
  },
)
