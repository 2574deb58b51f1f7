import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configureOidc, followAuthorize, startOidcProvider } from '../../dev/index.js'
import type { OidcProvider, OidcUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { AbortedError, ConfigError, OAuth2FailedError, TimeoutError } from '../../src/index.js'
import { authWithOAuth2Loopback } from '../../src/node/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { useClients } from '../helpers/clients.js'
import { capturedOpenUrl, isListening, loopbackOf, pendingPromise, settle } from '../node/loopback-http.js'

const bin = pocketBaseBinaryForTests('oauth2-loopback tests')

function newPerson(): OidcUser {
  const suffix = randomBytes(5).toString('hex')
  return { sub: `sub-${suffix}`, email: `loop-${suffix}@example.com`, email_verified: true, name: 'Loop' }
}

describe.skipIf(bin === undefined)('authWithOAuth2Loopback against a real PocketBase and provider', () => {
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

  it('signs in end to end: openUrl, provider redirect, callback page, session', async () => {
    const auth = client()
    const person = newPerson()
    oidc.setUser(person)
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))

    const url = await opened
    expect(url.startsWith(`${oidc.authURL}?`)).toBe(true)
    const loopback = loopbackOf(url)
    expect(loopback.hostname).toBe('127.0.0.1')
    expect(loopback.pathname).toBe('/callback')

    // Anything but GET /callback gets a 404 and does not end the wait.
    const stray = await fetch(new URL('/favicon.ico', loopback))
    expect(stray.status).toBe(404)
    await stray.body?.cancel()
    const posted = await fetch(loopback, { method: 'POST' })
    expect(posted.status).toBe(404)
    await posted.body?.cancel()

    const callback = await followAuthorize(url)
    expect(callback.origin).toBe(loopback.origin)
    const page = await fetch(callback)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    expect(await page.text()).toContain('You may close this tab')

    const { value: session, error } = await outcome
    expect(error).toBeUndefined()
    expect(session?.record.email).toBe(person.email)
    expect(session?.meta.isNew).toBe(true)
    expect(auth.session?.recordId).toBe(session?.recordId)
    expect(await isListening(Number(loopback.port))).toBe(false)
  })

  it('passes createData to a new user', async () => {
    const auth = client()
    oidc.setUser(newPerson())
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(
      authWithOAuth2Loopback(auth, 'oidc', { openUrl, createData: { name: 'From the CLI' } }),
    )
    await (await fetch(await followAuthorize(await opened))).body?.cancel()
    const { value: session } = await outcome
    expect(session?.record['name']).toBe('From the CLI')
  })

  it('a denied consent answers 400 and rejects with oauth2_failed', async () => {
    const auth = client()
    oidc.denyNext()
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))

    const callback = await followAuthorize(await opened)
    expect(callback.searchParams.get('error')).toBe('access_denied')
    const page = await fetch(callback)
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('oauth2_failed')

    const { error } = await outcome
    expect(error).toBeInstanceOf(OAuth2FailedError)
    expect(error).toMatchObject({ code: 'oauth2_failed', providerError: 'access_denied' })
    expect(auth.session).toBeNull()
    expect(await isListening(Number(callback.port))).toBe(false)
  })

  it('a callback with another state answers 400 and is ignored: the right one still signs in', async () => {
    const auth = client()
    const person = newPerson()
    oidc.setUser(person)
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))
    const url = await opened

    const forged = new URL('?code=stolen&state=not-this-attempt', loopbackOf(url))
    const page = await fetch(forged)
    expect(page.status).toBe(400)
    expect(await page.text()).toContain('ignored')

    const callback = await followAuthorize(url)
    const landed = await fetch(callback)
    expect(landed.status).toBe(200)
    await landed.body?.cancel()
    const { value: session, error } = await outcome
    expect(error).toBeUndefined()
    expect(session?.record.email).toBe(person.email)
  })

  it('times out when the browser never comes back, and closes the port', async () => {
    const auth = client()
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl, timeoutMs: 200 }))
    const port = Number(loopbackOf(await opened).port)
    expect(await isListening(port)).toBe(true) // listening while it waits

    const { error } = await outcome
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'timeout' })
    expect(await isListening(port)).toBe(false)
  })

  it('stops waiting when the signal aborts, and closes the port', async () => {
    const auth = client()
    const controller = new AbortController()
    const { openUrl, opened } = capturedOpenUrl()
    const outcome = settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl, signal: controller.signal }))
    const port = Number(loopbackOf(await opened).port)
    expect(await isListening(port)).toBe(true) // listening while it waits

    controller.abort()
    const { error } = await outcome
    expect(error).toBeInstanceOf(AbortedError)
    expect(error).toMatchObject({ code: 'aborted' })
    expect(await isListening(port)).toBe(false)
  })

  it('an already aborted signal rejects before anything is opened', async () => {
    const auth = client()
    let openCalls = 0
    const { error } = await settle(
      authWithOAuth2Loopback(auth, 'oidc', { openUrl: () => void openCalls++, signal: AbortSignal.abort() }),
    )
    expect(error).toBeInstanceOf(AbortedError)
    expect(openCalls).toBe(0)
  })

  it('an openUrl that throws rejects with its error, closes the port and leaves no timer behind', async () => {
    const auth = client()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    let port = 0
    try {
      const { error } = await settle(
        authWithOAuth2Loopback(auth, 'oidc', {
          timeoutMs: 100,
          openUrl: (url) => {
            port = Number(loopbackOf(url).port)
            throw new Error('no browser here')
          },
        }),
      )
      expect(error).toMatchObject({ message: 'no browser here' })
      expect(port).toBeGreaterThan(0) // openUrl was called with the loopback URL
      expect(await isListening(port)).toBe(false)
      // Past the timeout: a leaked wait would now reject with nobody listening.
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('an openUrl that resolves only after the browser has landed signs in (it runs beside the wait)', async () => {
    const auth = client()
    const person = newPerson()
    oidc.setUser(person)
    let landed: Promise<number> | undefined
    // Plays a browser that the caller waits for, as `open(url, { wait: true })` or a headless E2E browser does.
    const openUrl = async (url: string): Promise<void> => {
      landed = (async () => {
        const page = await fetch(await followAuthorize(url))
        await page.body?.cancel()
        return page.status
      })()
      await landed
    }
    const { value: session, error } = await settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))
    expect(error).toBeUndefined()
    expect(await landed).toBe(200)
    expect(session?.record.email).toBe(person.email)
  })

  it('an openUrl that rejects after the browser has landed does not undo the sign-in', async () => {
    const auth = client()
    oidc.setUser(newPerson())
    let finished: Promise<void> | undefined
    const openUrl = (url: string): Promise<void> =>
      (finished = (async () => {
        await (await fetch(await followAuthorize(url))).body?.cancel()
        throw new Error('the browser exited with code 1')
      })())
    const { value: session, error } = await settle(authWithOAuth2Loopback(auth, 'oidc', { openUrl }))
    expect(error).toBeUndefined()
    expect(auth.session?.recordId).toBe(session?.recordId)
    // The late rejection reached the helper and was dropped there: nothing is left unhandled (checked after
    // each test by the fail-on-unhandled setup).
    expect((await settle(finished ?? Promise.resolve())).error).toMatchObject({ message: /exited/ })
    await new Promise((resolve) => setImmediate(resolve))
  })

  it('an openUrl that rejects before any callback fails the sign-in and closes the port', async () => {
    const auth = client()
    let port = 0
    const { error } = await settle(
      authWithOAuth2Loopback(auth, 'oidc', {
        openUrl: async (url) => {
          port = Number(loopbackOf(url).port)
          await Promise.resolve()
          throw new Error('no browser here either')
        },
      }),
    )
    expect(error).toMatchObject({ message: 'no browser here either' })
    expect(auth.session).toBeNull()
    expect(await isListening(port)).toBe(false)
  })

  it('times out while openUrl is still busy: a typed timeout, no unhandled rejection, port closed', async () => {
    const auth = client()
    const busy = pendingPromise()
    let port = 0
    try {
      const { error } = await settle(
        authWithOAuth2Loopback(auth, 'oidc', {
          timeoutMs: 50,
          openUrl: (url) => {
            port = Number(loopbackOf(url).port)
            return busy.promise
          },
        }),
      )
      expect(error).toBeInstanceOf(TimeoutError)
      expect(await isListening(port)).toBe(false)
    } finally {
      busy.resolve()
    }
  })

  it('stops on abort while openUrl is still busy: a typed abort, no unhandled rejection, port closed', async () => {
    const auth = client()
    const busy = pendingPromise()
    const controller = new AbortController()
    let port = 0
    try {
      const outcome = settle(
        authWithOAuth2Loopback(auth, 'oidc', {
          signal: controller.signal,
          openUrl: (url) => {
            port = Number(loopbackOf(url).port)
            controller.abort() // Ctrl-C while the browser is still opening
            return busy.promise
          },
        }),
      )
      const { error } = await outcome
      expect(error).toBeInstanceOf(AbortedError)
      expect(port).toBeGreaterThan(0)
      expect(await isListening(port)).toBe(false)
    } finally {
      busy.resolve()
    }
  })

  it.each([
    ['port -1', { port: -1 }, 'options.port'],
    ['port 70000', { port: 70_000 }, 'options.port'],
    ['timeoutMs 0', { timeoutMs: 0 }, 'options.timeoutMs'],
    ['openUrl not a function', { openUrl: 'https://example.com' }, 'options.openUrl'],
  ])('rejects %s with ConfigError before listening or requesting', async (_name, bad, path) => {
    const seen: string[] = []
    const recording: typeof fetch = (input, init) => {
      seen.push(String(input))
      return fetch(input, init)
    }
    const auth = client({ fetch: recording })
    const options = { openUrl: () => {}, ...bad } as Parameters<typeof authWithOAuth2Loopback>[2]

    const { error } = await settle(authWithOAuth2Loopback(auth, 'oidc', options))

    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual([path])
    expect(seen).toEqual([])
  })

  it('an unknown provider rejects with oauth2_failed without calling openUrl', async () => {
    const auth = client()
    let openCalls = 0
    const { error } = await settle(
      authWithOAuth2Loopback(auth, 'github', { openUrl: () => void openCalls++, timeoutMs: 5_000 }),
    )
    expect(error).toBeInstanceOf(OAuth2FailedError)
    expect(openCalls).toBe(0)
  })

  it('a port already in use rejects with a typed network error naming the port', async () => {
    const { createServer } = await import('node:net')
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as { port: number }).port
    try {
      let openCalls = 0
      const { error } = await settle(
        authWithOAuth2Loopback(client(), 'oidc', { openUrl: () => void openCalls++, port }),
      )
      expect(error).toMatchObject({ code: 'network' })
      expect((error as Error).message).toContain(`127.0.0.1:${port}`)
      expect(openCalls).toBe(0)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })
})
