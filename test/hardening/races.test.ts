import '../setup/fail-on-unhandled.js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthClient, createDbInterface, isAuthError } from '../../src/index.js'
import type { AuthClient, AuthEventName } from '../../src/index.js'
import { createFakeFetch, deferred, json, noContent, signInBody, type Deferred } from './fake-fetch.js'
import { makeAuthResponse } from '../helpers/factories.js'

const URL_BASE = 'http://pb.test'
const EVENTS: readonly AuthEventName[] = [
  'signedIn',
  'tokenRefreshed',
  'signedOut',
  'mfaRequired',
  'refreshFailed',
  'expiring',
  'error',
]

/** A server whose every answer waits until the test releases it. */
function heldServer() {
  const held: { path: string; answer: Deferred<Response> }[] = []
  const { fetch, requests } = createFakeFetch((request) => {
    const answer = deferred<Response>()
    held.push({ path: request.path, answer })
    return answer.promise
  })
  /** The oldest held request to `path` (by suffix), removed from the queue. */
  const take = (suffix: string): Deferred<Response> => {
    const index = held.findIndex((entry) => entry.path.endsWith(suffix))
    if (index < 0)
      throw new Error(`no held request to ${suffix}; held: ${held.map((h) => h.path).join(', ')}`)
    return held.splice(index, 1)[0]!.answer
  }
  return { fetch, requests, held, take }
}

/** Lets queued promise callbacks and fetch's body reading run (setImmediate stays real). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

function recordEvents(auth: AuthClient): string[] {
  const log: string[] = []
  for (const name of EVENTS) {
    auth.on(name, (payload) => {
      const detail =
        name === 'signedOut'
          ? (payload as { reason: string }).reason
          : name === 'signedIn' || name === 'tokenRefreshed'
            ? (payload as { recordId: string }).recordId
            : ''
      log.push(detail === '' ? name : `${name}:${detail}`)
    })
  }
  return log
}

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise }
  } catch (error) {
    return { error }
  }
}

const clients: AuthClient[] = []
function client(fetch: typeof globalThis.fetch, extra: Partial<Parameters<typeof createAuthClient>[0]> = {}) {
  const auth = createAuthClient({ url: URL_BASE, fetch, ...extra })
  clients.push(auth)
  return auth
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
})

afterEach(() => {
  for (const auth of clients.splice(0)) auth.dispose()
  vi.useRealTimers()
})

async function signIn(server: ReturnType<typeof heldServer>, auth: AuthClient, id: string) {
  const call = auth.authWithPassword(`${id}@example.com`, 'pw-correct-horse')
  await flush()
  server.take('auth-with-password').resolve(json(signInBody(id)))
  return call
}

describe('races between a refresh and a session change', () => {
  it('logout during a refresh: the refresh is discarded, no session comes back, no timer is left', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const events = recordEvents(auth)
    await signIn(server, auth, 'alice')
    const refresh = settle(auth.authRefresh())
    await flush()
    auth.logout()
    server.take('auth-refresh').resolve(json(signInBody('alice', { lifetimeSeconds: 7200 })))
    const outcome = await refresh
    expect(isAuthError(outcome.error) && outcome.error.code).toBe('aborted')
    expect(auth.session).toBeNull()
    expect(events).toEqual(['signedIn:alice', 'signedOut:logout'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a new sign-in during a refresh: the new session stays, the old refresh is discarded', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const events = recordEvents(auth)
    await signIn(server, auth, 'alice')
    const refresh = settle(auth.authRefresh())
    await flush()
    const bob = await signIn(server, auth, 'bob')
    server.take('auth-refresh').resolve(json(signInBody('alice', { lifetimeSeconds: 7200 })))
    const outcome = await refresh
    expect(isAuthError(outcome.error) && outcome.error.code).toBe('aborted')
    expect(auth.session).toBe(bob)
    expect(auth.session?.recordId).toBe('bob')
    expect(events).toEqual(['signedIn:alice', 'signedIn:bob'])
    expect(vi.getTimerCount()).toBe(1) // bob's refresh timer, and nothing else
    auth.logout()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a timer-driven refresh racing logout leaves no session and no timer', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const events = recordEvents(auth)
    const call = auth.authWithPassword('alice@example.com', 'pw-correct-horse')
    await flush()
    server.take('auth-with-password').resolve(json(signInBody('alice', { lifetimeSeconds: 10 })))
    await call
    await vi.advanceTimersByTimeAsync(8_500) // a 10 s token: the timer refreshes between 7.5 s and 8 s
    await flush()
    const refresh = server.take('auth-refresh')
    auth.logout()
    refresh.resolve(json(signInBody('alice', { lifetimeSeconds: 10 })))
    await flush()
    expect(auth.session).toBeNull()
    expect(events).toEqual(['signedIn:alice', 'signedOut:logout'])
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('two sign-ins racing on one client: the later call wins', () => {
  it.each([
    ['the earlier call completes last', ['bob', 'alice']],
    ['the earlier call completes first', ['alice', 'bob']],
  ])('%s', async (_label, completionOrder) => {
    const server = heldServer()
    const auth = client(server.fetch)
    const events = recordEvents(auth)
    const first = settle(auth.authWithPassword('alice@example.com', 'pw-alice-123'))
    await flush()
    const second = settle(auth.authWithPassword('bob@example.com', 'pw-bob-12345'))
    await flush()
    const answers = { alice: server.take('auth-with-password'), bob: server.take('auth-with-password') }
    for (const who of completionOrder as ('alice' | 'bob')[]) {
      answers[who].resolve(json(signInBody(who)))
      await flush()
    }
    const [alice, bob] = await Promise.all([first, second])
    expect(isAuthError(alice.error) && alice.error.code).toBe('aborted')
    expect(bob.value?.recordId).toBe('bob')
    expect(auth.session?.recordId).toBe('bob')
    expect(events).toEqual(['signedIn:bob'])
    auth.logout()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('dispose() during every in-flight operation', () => {
  type Operation = {
    name: string
    needsSession?: 'users' | '_superusers'
    path: string
    start: (auth: AuthClient) => Promise<unknown>
    answer: () => Response
    credentials?: boolean
  }
  const session =
    (collectionName = 'users') =>
    () =>
      json(signInBody('alice', { collectionName }))
  const methods = () =>
    json({
      password: { enabled: true, identityFields: ['email'] },
      oauth2: {
        enabled: true,
        providers: [
          {
            name: 'oidc',
            state: 'state-1',
            authURL: 'http://idp.test/a?redirect_uri=',
            codeVerifier: 'v',
            codeChallenge: 'c',
            codeChallengeMethod: 'S256',
          },
        ],
      },
      mfa: { enabled: false, duration: 0 },
      otp: { enabled: true, duration: 300 },
    })
  const operations: Operation[] = [
    {
      name: 'authWithPassword',
      path: 'auth-with-password',
      start: (a) => a.authWithPassword('a@b.c', 'pw-1234567'),
      answer: session(),
    },
    {
      name: 'authWithOTP',
      path: 'auth-with-otp',
      start: (a) => a.authWithOTP('otp1', '12345678'),
      answer: session(),
    },
    {
      name: 'requestOTP',
      path: 'request-otp',
      start: (a) => a.requestOTP('a@b.c'),
      answer: () => json({ otpId: 'o' }),
    },
    { name: 'listAuthMethods', path: 'auth-methods', start: (a) => a.listAuthMethods(), answer: methods },
    {
      name: 'startOAuth2',
      path: 'auth-methods',
      start: (a) => a.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:9/cb' }),
      answer: methods,
    },
    {
      name: 'authWithOAuth2Code',
      path: 'auth-with-oauth2',
      start: (a) => a.authWithOAuth2Code('oidc', 'code', 'verifier', 'http://127.0.0.1:9/cb'),
      answer: session(),
    },
    {
      name: 'authRefresh',
      needsSession: 'users',
      path: 'auth-refresh',
      start: (a) => a.authRefresh(),
      answer: session(),
    },
    {
      name: 'getToken (credentials sign-in)',
      credentials: true,
      path: 'auth-with-password',
      start: (a) => a.getToken(),
      answer: session(),
    },
    {
      name: 'impersonate',
      needsSession: '_superusers',
      path: 'impersonate/bob',
      start: async (a) => (await a.impersonate('bob', { renew: true })).dispose(),
      answer: () => json(signInBody('bob', { refreshable: false })),
    },
    {
      name: 'requestEmailChange',
      needsSession: 'users',
      path: 'request-email-change',
      start: (a) => a.requestEmailChange('new@example.com'),
      answer: noContent,
    },
    {
      name: 'confirmPasswordReset',
      path: 'confirm-password-reset',
      start: (a) => a.confirmPasswordReset('t', 'pw-new-1234', 'pw-new-1234'),
      answer: noContent,
    },
    {
      name: 'db getList',
      needsSession: 'users',
      path: 'posts/records',
      start: (a) => createDbInterface(a).collection('posts').getList(1, 10),
      answer: () => json({ page: 1, perPage: 10, totalItems: 0, totalPages: 0, items: [] }),
    },
  ]

  it.each(operations)('$name settles, emits nothing after dispose and leaves no timer', async (op) => {
    const server = heldServer()
    const auth = client(server.fetch, {
      ...(op.credentials === true
        ? { credentials: () => ({ identity: 'a@b.c', password: 'pw-1234567' }) }
        : {}),
    })
    if (op.needsSession !== undefined) {
      const call = auth.authWithPassword('a@b.c', 'pw-1234567')
      await flush()
      server
        .take('auth-with-password')
        .resolve(json(signInBody('alice', { collectionName: op.needsSession })))
      await call
    }
    const events = recordEvents(auth)
    const outcome = settle(op.start(auth))
    await flush()
    const held = server.take(op.path)
    auth.dispose()
    held.resolve(op.answer())
    const result = await outcome
    if ('error' in result) expect(isAuthError(result.error)).toBe(true)
    await flush()
    expect(events).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
    expect(server.held).toEqual([])
  })

  it('dispose during a background refresh: the refresh settles and nothing is re-armed', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const call = auth.authWithPassword('a@b.c', 'pw-1234567')
    await flush()
    server.take('auth-with-password').resolve(json(signInBody('alice', { lifetimeSeconds: 10 })))
    await call
    await vi.advanceTimersByTimeAsync(9_000)
    await flush()
    const refresh = server.take('auth-refresh')
    auth.dispose()
    refresh.resolve(json({ data: {}, message: 'Server down.', status: 503 }, 503))
    await flush()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(vi.getTimerCount()).toBe(0)
    expect(server.held).toEqual([])
  })
})

describe('listeners that throw or call back into the client', () => {
  it('a throwing listener does not break sign-in; the failure becomes an error event', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const errors: Error[] = []
    auth.on('error', (error) => errors.push(error))
    auth.on('signedIn', () => {
      throw new Error('listener bug')
    })
    auth.on('signedIn', () => Promise.reject(new Error('async listener bug')))
    const session = await signIn(server, auth, 'alice')
    await flush()
    expect(auth.session).toBe(session)
    expect(errors.map((error) => error.message).sort()).toEqual(['async listener bug', 'listener bug'])
  })

  it('logout inside signedIn: the sign-in resolves, but no session is resurrected and no timer remains', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    const events = recordEvents(auth)
    auth.on('signedIn', () => auth.logout())
    const outcome = await settle(signIn(server, auth, 'alice'))
    expect(outcome.value?.recordId).toBe('alice')
    expect(auth.session).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    expect(events).toEqual(['signedIn:alice', 'signedOut:logout'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('getToken inside tokenRefreshed gets the new token without a second request', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    await signIn(server, auth, 'alice')
    const seen: Promise<string>[] = []
    auth.on('tokenRefreshed', () => {
      seen.push(auth.getToken())
    })
    const refresh = auth.authRefresh()
    await flush()
    const fresh = signInBody('alice', { lifetimeSeconds: 7200 })
    server.take('auth-refresh').resolve(json(fresh))
    const session = await refresh
    expect(await Promise.all(seen)).toEqual([fresh.token])
    expect(session.token).toBe(fresh.token)
    expect(server.requests.filter((r) => r.path.endsWith('auth-refresh'))).toHaveLength(1)
    auth.logout()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('authRefresh inside signedOut fails typed and does not bring the session back', async () => {
    const server = heldServer()
    const auth = client(server.fetch)
    await signIn(server, auth, 'alice')
    const attempts: Promise<unknown>[] = []
    auth.on('signedOut', () => {
      attempts.push(settle(auth.authRefresh()))
    })
    auth.logout()
    const [outcome] = (await Promise.all(attempts)) as { error?: unknown }[]
    expect(isAuthError(outcome?.error) && outcome.error.code).toBe('not_authenticated')
    expect(auth.session).toBeNull()
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('sign-in arguments are checked before the sign-in starts', () => {
  it('a call with blank arguments does not supersede a sign-in in flight', async () => {
    let release: (() => void) | undefined
    const body = JSON.stringify(makeAuthResponse())
    const auth = createAuthClient({
      url: 'http://pb.test',
      autoRefresh: false,
      fetch: () =>
        new Promise<Response>((resolve) => {
          release = () => resolve(new Response(body, { status: 200 }))
        }),
    })
    const first = auth.authWithPassword('alice@example.com', 'pw')
    await expect(auth.authWithPassword('', '')).rejects.toMatchObject({ code: 'config_invalid' })
    await vi.waitFor(() => expect(release).toBeDefined())
    release!()
    await expect(first).resolves.toMatchObject({ recordId: 'record1234567ab' })
    expect(auth.session).not.toBeNull()
    auth.dispose()
  })
})
