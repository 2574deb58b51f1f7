/**
 * An in-process PocketBase for the request client's unit tests (faults and races a real server does not produce
 * on demand): sign-ins and refreshes answer with fresh tokens of one record, auth-methods lists one OAuth2
 * provider, and any path can be answered differently per test. Every request is recorded.
 */
import { createFakeFetch, json, type FakeRequest } from '../hardening/fake-fetch.js'
import { makeAuthResponse, PB_BODIES } from '../helpers/factories.js'

export const PB = 'http://pb.test'
export const AUTH_URL = 'http://idp.test/authorize?client_id=app&state=pb-state-1&redirect_uri='

/** The fake and what it saw. */
export interface SsrFakePocketBase {
  readonly fetch: typeof globalThis.fetch
  readonly requests: FakeRequest[]
  /** Requests to a path ending with `action`, e.g. `auth-refresh`. */
  count(action: string): number
  /** The record every sign-in and refresh returns. */
  record: Record<string, unknown>
  /** Lifetime of issued tokens, in seconds. */
  tokenSeconds: number
  /** Answers requests to paths ending with `action` with this instead, until `reset`. */
  answer(action: string, handler: (request: FakeRequest) => Response | Promise<Response>): void
  reset(): void
}

export function ssrFakePocketBase(now: () => number): SsrFakePocketBase {
  const overrides = new Map<string, (request: FakeRequest) => Response | Promise<Response>>()
  let issued = 0
  const fake: SsrFakePocketBase = {
    fetch: undefined as unknown as typeof globalThis.fetch,
    requests: [],
    record: {},
    tokenSeconds: 3600,
    count: (action) => fake.requests.filter((request) => request.path.endsWith(`/${action}`)).length,
    answer: (action, handler) => void overrides.set(action, handler),
    reset: () => overrides.clear(),
  }
  const auth = (): Response => {
    issued++
    const body = makeAuthResponse({
      record: fake.record,
      claims: { exp: Math.floor(now() / 1000) + fake.tokenSeconds, n: issued },
      nowMs: now(),
    })
    return json(body, 200, { Date: new Date(now()).toUTCString() })
  }
  const { fetch, requests } = createFakeFetch((request) => {
    const action = request.path.split('/').pop() ?? ''
    const override = overrides.get(action)
    if (override !== undefined) return override(request)
    switch (action) {
      case 'auth-with-password':
      case 'auth-with-otp':
      case 'auth-with-oauth2':
      case 'auth-refresh':
        return auth()
      case 'request-otp':
        return json({ otpId: 'otp-id-1' })
      case 'auth-methods':
        return json({
          password: { enabled: true, identityFields: ['email'] },
          oauth2: {
            enabled: true,
            providers: [
              {
                name: 'oidc',
                displayName: 'OIDC',
                state: 'pb-state-1',
                authURL: AUTH_URL,
                codeVerifier: 'verifier-secret-123',
                codeChallenge: 'challenge',
                codeChallengeMethod: 'S256',
              },
            ],
          },
          mfa: { enabled: true, duration: 600 },
          otp: { enabled: true, duration: 180 },
        })
      default:
        return json(PB_BODIES.notFound, 404)
    }
  })
  return Object.assign(fake, { fetch, requests: requests as FakeRequest[] }) as SsrFakePocketBase & {
    requests: FakeRequest[]
  }
}
