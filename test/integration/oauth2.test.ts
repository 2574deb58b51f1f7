import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  configureOidc,
  createUser,
  followAuthorize,
  startOidcProvider,
  type OidcProvider,
  type OidcUser,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  ConfigError,
  OAuth2FailedError,
  OAuth2StateInvalidError,
  type AuthClient,
  type AuthSession,
} from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { useClients } from '../helpers/clients.js'
import { rejectionOf } from '../helpers/rejection.js'

const bin = pocketBaseBinaryForTests('oauth2 tests')

/** Where the provider sends the browser back; nothing listens there, the test reads the redirect instead. */
const REDIRECT_URL = 'http://127.0.0.1:9/oauth2/callback'
const TEN_MINUTES = 10 * 60_000

interface SeenRequest {
  readonly method: string
  readonly path: string
  readonly authorization: string | null
}

/** A `fetch` that records method, path and Authorization header of every request the client sends. */
function recordingFetch(): { fetch: typeof fetch; seen: SeenRequest[] } {
  const seen: SeenRequest[] = []
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = new Headers(input instanceof Request ? input.headers : init?.headers)
    seen.push({
      method: init?.method ?? (input instanceof Request ? input.method : 'GET'),
      path: url.pathname,
      authorization: headers.get('authorization'),
    })
    return fetch(input, init)
  }
  return { fetch: recording, seen }
}

function newPerson(): OidcUser {
  const suffix = randomBytes(5).toString('hex')
  return {
    sub: `sub-${suffix}`,
    email: `oidc-${suffix}@example.com`,
    email_verified: true,
    name: `Person ${suffix}`,
  }
}

interface ExternalAuth {
  provider: string
  providerId: string
  recordRef: string
}

describe.skipIf(bin === undefined)('OAuth2 against a real PocketBase and OpenID provider', () => {
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

  /** startOAuth2 + the browser round trip at the provider; returns the callback URL. */
  async function authorize(auth: AuthClient, person?: OidcUser): Promise<{ callback: URL; state: string }> {
    if (person !== undefined) oidc.setUser(person)
    const { url, state } = await auth.startOAuth2('oidc', { redirectUrl: REDIRECT_URL })
    return { callback: await followAuthorize(url), state }
  }

  function externalAuthsOf(recordId: string): Promise<{ items: ExternalAuth[] }> {
    const filter = encodeURIComponent(`recordRef = '${recordId}'`)
    return pb.api('GET', `/api/collections/_externalAuths/records?filter=${filter}`)
  }

  it('startOAuth2 returns the provider authorize URL with the encoded redirect and a state', async () => {
    const auth = client()
    const { url, state } = await auth.startOAuth2('oidc', { redirectUrl: REDIRECT_URL })

    expect(url.startsWith(`${oidc.authURL}?`)).toBe(true)
    expect(url.endsWith(`redirect_uri=${encodeURIComponent(REDIRECT_URL)}`)).toBe(true)
    const params = new URL(url).searchParams
    expect(params.get('redirect_uri')).toBe(REDIRECT_URL)
    expect(params.get('state')).toBe(state)
    expect(params.get('client_id')).toBe(oidc.clientId)
    expect(params.get('code_challenge_method')).toBe('S256')
    expect(state.length).toBeGreaterThanOrEqual(20)
    // Each attempt gets its own state.
    const second = await auth.startOAuth2('oidc', { redirectUrl: REDIRECT_URL })
    expect(second.state).not.toBe(state)
  })

  it('completeOAuth2(callbackUrl) creates and signs in a new user, with typed meta', async () => {
    const auth = client()
    const person = newPerson()
    const signedIn: AuthSession[] = []
    auth.on('signedIn', (session) => signedIn.push(session))
    const { callback, state } = await authorize(auth, person)
    expect(callback.searchParams.get('state')).toBe(state)

    const session = await auth.completeOAuth2(callback.href)

    expect(session.record.email).toBe(person.email)
    expect(session.record['name']).toBe(person.name)
    expect(session.record.verified).toBe(true)
    expect(session.collectionName).toBe('users')
    expect(session.refreshable).toBe(true)
    expect(session.meta).toMatchObject({
      isNew: true,
      id: person.sub,
      email: person.email,
      name: person.name,
      rawUser: { sub: person.sub, email: person.email },
    })
    expect(session.meta.accessToken).not.toBe('')
    expect(auth.session?.token).toBe(session.token)
    expect(auth.session?.recordId).toBe(session.recordId)
    expect(auth.session).not.toHaveProperty('meta')
    expect(signedIn.map((s) => s.recordId)).toEqual([session.recordId])
    const stored = await pb.api<{ email: string }>(
      'GET',
      `/api/collections/users/records/${session.recordId}`,
    )
    expect(stored.email).toBe(person.email)
  })

  it('completeOAuth2({ state, code, createData }) applies createData to a new user only', async () => {
    const auth = client()
    const person = newPerson()
    const first = await authorize(auth, person)
    const created = await auth.completeOAuth2({
      state: first.state,
      code: first.callback.searchParams.get('code') ?? '',
      createData: { name: 'Chosen by the app' },
    })
    expect(created.meta.isNew).toBe(true)
    expect(created.record['name']).toBe('Chosen by the app')

    // The same provider identity again: same record, createData ignored, not new.
    const again = await authorize(auth, person)
    const session = await auth.completeOAuth2({
      state: again.state,
      code: again.callback.searchParams.get('code') ?? '',
      createData: { name: 'Ignored now' },
    })
    expect(session.recordId).toBe(created.recordId)
    expect(session.meta.isNew).toBe(false)
    const stored = await pb.api<{ name: string }>('GET', `/api/collections/users/records/${created.recordId}`)
    expect(stored.name).toBe('Chosen by the app')
  })

  it('links an existing password user with the same verified email (same record id)', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const person = { ...newPerson(), email: user.email }
    const { callback } = await authorize(auth, person)

    const session = await auth.completeOAuth2(callback)

    expect(session.recordId).toBe(user.id)
    expect(session.meta.isNew).toBe(false)
    const links = await externalAuthsOf(user.id)
    expect(links.items).toEqual([expect.objectContaining({ provider: 'oidc', providerId: person.sub })])
    // A verified user keeps the password.
    await expect(client().authWithPassword(user.email, user.password)).resolves.toMatchObject({
      recordId: user.id,
    })
  })

  it('a provider error=access_denied rejects with oauth2_failed and exchanges nothing', async () => {
    const { fetch: recording, seen } = recordingFetch()
    const auth = client({ fetch: recording })
    oidc.denyNext()
    const { callback, state } = await authorize(auth, newPerson())
    expect(callback.searchParams.get('error')).toBe('access_denied')

    const failure = await auth.completeOAuth2(callback.href).catch((error: unknown) => error)

    expect(failure).toBeInstanceOf(OAuth2FailedError)
    expect(failure).toMatchObject({ code: 'oauth2_failed', providerError: 'access_denied' })
    expect(auth.session).toBeNull()
    expect(seen.some((request) => request.path.endsWith('/auth-with-oauth2'))).toBe(false)
    // The refused attempt's state is used up.
    await expect(auth.completeOAuth2({ state, code: 'anything' })).rejects.toBeInstanceOf(
      OAuth2StateInvalidError,
    )
  })

  it('an unknown state rejects with oauth2_state_invalid before any request', async () => {
    const { fetch: recording, seen } = recordingFetch()
    const auth = client({ fetch: recording })

    await expect(auth.completeOAuth2({ state: 'never-issued', code: 'x' })).rejects.toMatchObject({
      code: 'oauth2_state_invalid',
    })
    await expect(auth.completeOAuth2(`${REDIRECT_URL}?code=x`)).rejects.toBeInstanceOf(
      OAuth2StateInvalidError,
    )
    // A state issued to another client is unknown here too.
    const other = client()
    const foreign = await authorize(other, newPerson())
    await expect(auth.completeOAuth2(foreign.callback)).rejects.toBeInstanceOf(OAuth2StateInvalidError)
    expect(seen).toEqual([])
    expect(auth.session).toBeNull()
  })

  it('a callback URL that is not a URL rejects with oauth2_state_invalid', async () => {
    const auth = client()
    await expect(auth.completeOAuth2('definitely not a url')).rejects.toBeInstanceOf(OAuth2StateInvalidError)
  })

  it('a reused state (completing twice) rejects with oauth2_state_invalid and keeps the session', async () => {
    const auth = client()
    const { callback } = await authorize(auth, newPerson())
    const session = await auth.completeOAuth2(callback)

    await expect(auth.completeOAuth2(callback)).rejects.toMatchObject({ code: 'oauth2_state_invalid' })
    expect(auth.session?.token).toBe(session.token)
  })

  it('a state is usable just under 10 minutes and rejected after', async () => {
    let offsetMs = 0
    const auth = client({ now: () => Date.now() + offsetMs })
    const person = newPerson()
    const fresh = await authorize(auth, person)
    const stale = await authorize(auth, person)

    offsetMs = TEN_MINUTES - 5_000
    await expect(auth.completeOAuth2(fresh.callback)).resolves.toMatchObject({
      record: { email: person.email },
    })
    offsetMs = TEN_MINUTES + 1
    await expect(auth.completeOAuth2(stale.callback)).rejects.toBeInstanceOf(OAuth2StateInvalidError)
  })

  it('a reused code in the low-level authWithOAuth2Code rejects with oauth2_failed', async () => {
    const auth = client()
    const person = newPerson()
    oidc.setUser(person)
    const methods = await auth.listAuthMethods()
    const provider = methods.oauth2.providers.find((candidate) => candidate.name === 'oidc')
    if (provider === undefined) throw new Error('oidc is not listed')
    const callback = await followAuthorize(provider.authURL, { redirectURL: REDIRECT_URL })
    const code = callback.searchParams.get('code') ?? ''

    const session = await auth.authWithOAuth2Code('oidc', code, provider.codeVerifier, REDIRECT_URL)
    expect(session.record.email).toBe(person.email)
    expect(session.meta.isNew).toBe(true)

    const reused = await auth
      .authWithOAuth2Code('oidc', code, provider.codeVerifier, REDIRECT_URL)
      .catch((error: unknown) => error)
    expect(reused).toBeInstanceOf(OAuth2FailedError)
    expect(reused).toMatchObject({ code: 'oauth2_failed', status: 400 })
    expect(String(reused)).not.toContain(code)
    expect(String(reused)).not.toContain(provider.codeVerifier)
  })

  it('an unknown provider in startOAuth2 rejects with oauth2_failed naming the enabled ones', async () => {
    const auth = client()
    const failure = await auth
      .startOAuth2('github', { redirectUrl: REDIRECT_URL })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(OAuth2FailedError)
    expect(failure).toMatchObject({ code: 'oauth2_failed' })
    expect((failure as Error).message).toContain('oidc')
  })

  it('startOAuth2 with a relative redirectUrl throws ConfigError without a request', async () => {
    const { fetch: recording, seen } = recordingFetch()
    const auth = client({ fetch: recording })
    await expect(auth.startOAuth2('oidc', { redirectUrl: '/callback' })).rejects.toBeInstanceOf(ConfigError)
    expect(seen).toEqual([])
  })

  describe('expectedState (the state bound to the browser)', () => {
    it('a matching expectedState signs in, from the callback URL or its parameters', async () => {
      const auth = client()
      const person = newPerson()
      const first = await authorize(auth, person)
      await expect(
        auth.completeOAuth2(first.callback, { expectedState: first.state }),
      ).resolves.toMatchObject({
        record: { email: person.email },
      })
      const second = await authorize(auth, person)
      const code = second.callback.searchParams.get('code') ?? ''
      await expect(
        auth.completeOAuth2({ state: second.state, code }, { expectedState: second.state }),
      ).resolves.toMatchObject({ record: { email: person.email } })
    })

    it.each([
      ['another state', 'some-other-browsers-state'],
      ['undefined (no cookie)', undefined],
      ['an empty string', ''],
    ])(
      'expectedState %s rejects with oauth2_state_invalid, sends nothing and leaves the attempt usable',
      async (_name, expectedState) => {
        const { fetch: recording, seen } = recordingFetch()
        const auth = client({ fetch: recording })
        const person = newPerson()
        const { callback, state } = await authorize(auth, person)
        seen.length = 0
        const signedIn: unknown[] = []
        auth.on('signedIn', (event) => void signedIn.push(event))

        const error = await rejectionOf(auth.completeOAuth2(callback, { expectedState }))

        expect(error).toBeInstanceOf(OAuth2StateInvalidError)
        expect((error as Error).message).toContain('expectedState')
        expect((error as Error).message).not.toContain(state)
        expect(seen).toEqual([])
        expect(auth.session).toBeNull()
        expect(signedIn).toEqual([])
        // Nothing was consumed: the right browser still completes this attempt.
        await expect(auth.completeOAuth2(callback, { expectedState: state })).resolves.toMatchObject({
          record: { email: person.email },
        })
      },
    )

    it('an expectedState that is not a string is a ConfigError naming it, before any request', async () => {
      const { fetch: recording, seen } = recordingFetch()
      const auth = client({ fetch: recording })
      const { callback } = await authorize(auth, newPerson())
      seen.length = 0
      const options = { expectedState: 42 } as unknown as { expectedState: string }
      const error = await rejectionOf(auth.completeOAuth2(callback, options))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['options.expectedState'])
      expect(seen).toEqual([])
    })

    it('a mismatch does not supersede a sign-in in flight', async () => {
      const auth = client()
      const person = newPerson()
      const { callback, state } = await authorize(auth, person)
      const inFlight = auth.completeOAuth2(callback, { expectedState: state })
      await expect(auth.completeOAuth2(callback, { expectedState: 'forged' })).rejects.toBeInstanceOf(
        OAuth2StateInvalidError,
      )
      await expect(inFlight).resolves.toMatchObject({ record: { email: person.email } })
    })
  })

  describe('linking', () => {
    async function signedInAsA(recording: typeof fetch): Promise<{ auth: AuthClient; aId: string }> {
      const a = await createUser(pb, 'users', { verified: true })
      const auth = client({ fetch: recording })
      await auth.authWithPassword(a.email, a.password)
      return { auth, aId: a.id }
    }

    it('without { link: true } signs in as the provider user, links nothing and sends no token', async () => {
      const { fetch: recording, seen } = recordingFetch()
      const { auth, aId } = await signedInAsA(recording)
      const person = newPerson()
      const { callback } = await authorize(auth, person)

      const session = await auth.completeOAuth2(callback)

      expect(session.recordId).not.toBe(aId)
      expect(session.record.email).toBe(person.email)
      expect(session.meta.isNew).toBe(true)
      expect((await externalAuthsOf(aId)).items).toEqual([])
      expect((await externalAuthsOf(session.recordId)).items).toEqual([
        expect.objectContaining({ providerId: person.sub }),
      ])
      const exchange = seen.filter((request) => request.path.endsWith('/auth-with-oauth2'))
      expect(exchange).toEqual([expect.objectContaining({ method: 'POST', authorization: null })])
    })

    it('the low-level authWithOAuth2Code does not send the token without { link: true } either', async () => {
      const { fetch: recording, seen } = recordingFetch()
      const { auth, aId } = await signedInAsA(recording)
      oidc.setUser(newPerson())
      const provider = (await auth.listAuthMethods()).oauth2.providers[0]
      if (provider === undefined) throw new Error('oidc is not listed')
      const callback = await followAuthorize(provider.authURL, { redirectURL: REDIRECT_URL })

      const session = await auth.authWithOAuth2Code(
        'oidc',
        callback.searchParams.get('code') ?? '',
        provider.codeVerifier,
        REDIRECT_URL,
      )

      expect(session.recordId).not.toBe(aId)
      expect(seen.find((request) => request.path.endsWith('/auth-with-oauth2'))?.authorization).toBeNull()
    })

    it('with { link: true } links the provider identity to the signed-in user', async () => {
      const { fetch: recording, seen } = recordingFetch()
      const { auth, aId } = await signedInAsA(recording)
      const tokenOfA = auth.session?.token
      const person = newPerson()
      const { callback } = await authorize(auth, person)

      const session = await auth.completeOAuth2(callback, { link: true })

      expect(session.recordId).toBe(aId)
      expect(session.meta.isNew).toBe(false)
      expect((await externalAuthsOf(aId)).items).toEqual([
        expect.objectContaining({ provider: 'oidc', providerId: person.sub, recordRef: aId }),
      ])
      const exchange = seen.find((request) => request.path.endsWith('/auth-with-oauth2'))
      expect(exchange?.authorization).toBe(tokenOfA)
    })
  })
})
