/**
 * An in-process PocketBase for the verifier's unit tests: it answers auth-refresh (and the record GET of the
 * pre-0.29 impersonation path) from a table of tokens, and records every request. Faults PocketBase cannot produce
 * on demand (5xx, 429, a dropped connection, a record of the wrong user) are set per test with `answerNext`.
 */
import { createFakeFetch, json, type FakeRequest } from '../../hardening/fake-fetch.js'
import { makeAuthRecord, makeJwt, type JwtClaims } from '../../helpers/factories.js'

/** How the fake treats one registered token. */
export type TokenState = 'valid' | 'revoked' | 'auth_rule_failed'

/** The fake server and what it saw. */
export interface FakePocketBase {
  readonly fetch: typeof globalThis.fetch
  readonly requests: FakeRequest[]
  /** Registers a token of `record` and returns it. */
  issue(record?: Record<string, unknown>, claims?: JwtClaims): string
  /** Changes how the server answers a token from now on. */
  setState(token: string, state: TokenState): void
  /** Replaces the record the server returns for a token (e.g. a new role). */
  setRecord(token: string, record: Record<string, unknown>): void
  /** Answers the next request with this instead (throw to simulate a dropped connection). */
  answerNext(answer: (request: FakeRequest) => Response | Promise<Response>): void
  /** Makes auth-refresh of non-refreshable tokens answer as PocketBase < 0.29 does (403 not refreshable). */
  legacy: boolean
  /** Auth-refresh requests seen. */
  refreshes(): number
}

const NOT_REFRESHABLE = { data: {}, message: 'The current auth token is not refreshable.', status: 403 }
const REJECTED = { data: {}, message: 'The request requires valid record authorization token.', status: 401 }
const RULE = {
  data: {},
  message: "The request doesn't satisfy the collection requirements to authenticate.",
  status: 403,
}

/**
 * Starts the fake.
 *
 * @param nowMs - the clock the issued tokens' default `exp` (one hour ahead) is computed from
 */
export function fakePocketBase(nowMs: () => number = Date.now): FakePocketBase {
  const tokens = new Map<
    string,
    { record: Record<string, unknown>; state: TokenState; refreshable: boolean }
  >()
  const overrides: ((request: FakeRequest) => Response | Promise<Response>)[] = []
  const fake: FakePocketBase = {
    fetch: undefined as unknown as typeof globalThis.fetch,
    requests: [],
    legacy: false,
    issue(record = {}, claims = {}) {
      const full = makeAuthRecord(record)
      const token = makeJwt(
        { id: String(full.id), collectionId: String(full.collectionId), ...claims },
        nowMs(),
      )
      tokens.set(token, { record: full, state: 'valid', refreshable: claims.refreshable !== false })
      return token
    },
    setState(token, state) {
      const entry = tokens.get(token)
      if (entry !== undefined) entry.state = state
    },
    setRecord(token, record) {
      const entry = tokens.get(token)
      if (entry !== undefined) entry.record = makeAuthRecord(record)
    },
    answerNext(answer) {
      overrides.push(answer)
    },
    refreshes: () => fake.requests.filter((request) => request.path.endsWith('/auth-refresh')).length,
  }
  const { fetch, requests } = createFakeFetch((request) => {
    const override = overrides.shift()
    if (override !== undefined) return override(request)
    const entry = tokens.get(request.headers.get('authorization') ?? '')
    if (entry === undefined || entry.state === 'revoked') return json(REJECTED, 401)
    const collection = decodeURIComponent(request.path.split('/')[3] ?? '')
    if (collection !== entry.record.collectionId && collection !== entry.record.collectionName) {
      return json({ data: {}, message: 'Missing or invalid collection context.', status: 404 }, 404)
    }
    if (request.method === 'GET') return json(entry.record)
    if (fake.legacy && !entry.refreshable) return json(NOT_REFRESHABLE, 403)
    if (entry.state === 'auth_rule_failed') return json(RULE, 403)
    return json({ record: entry.record })
  })
  return Object.assign(fake, { fetch, requests })
}
