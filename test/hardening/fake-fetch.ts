/**
 * A tiny in-process `fetch` for the hardening tests: fast enough for 1,000-run properties, and able to hold a
 * response back (a deferred) so races can be played step by step. It honours the request's `AbortSignal` the
 * way the real `fetch` does, so timeouts and aborts behave as in production.
 */
import { makeAuthResponse, makeJwt } from '../helpers/factories.js'

/** A request as the fake server saw it. */
export interface FakeRequest {
  readonly method: string
  readonly url: URL
  /** `/api/collections/users/auth-with-password` (no query). */
  readonly path: string
  readonly headers: Headers
  readonly body: unknown
}

/** Answers one request. */
export type FakeHandler = (request: FakeRequest) => Response | Promise<Response>

/** The fake `fetch` plus every request it received. */
export interface FakeFetch {
  readonly fetch: typeof globalThis.fetch
  readonly requests: FakeRequest[]
}

/** Creates a `fetch` that hands every request to `handler`. */
export function createFakeFetch(handler: FakeHandler): FakeFetch {
  const requests: FakeRequest[] = []
  const fakeFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const text = await request.text()
    const url = new URL(request.url)
    const recorded: FakeRequest = {
      method: request.method,
      url,
      path: url.pathname,
      headers: request.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    }
    requests.push(recorded)
    const signal = init?.signal ?? undefined
    if (signal?.aborted === true) throw abortReason(signal)
    const answer = Promise.resolve().then(() => handler(recorded))
    if (signal === undefined || signal === null) return answer
    return new Promise<Response>((resolve, reject) => {
      const onAbort = (): void => reject(abortReason(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      answer.then(
        (response) => {
          signal.removeEventListener('abort', onAbort)
          resolve(response)
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(error)
        },
      )
    })
  }
  return { fetch: fakeFetch as typeof globalThis.fetch, requests }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError')
}

/** A PocketBase-style JSON response (`Date` header included, as PocketBase sends it). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** An empty 204, as PocketBase answers the account flows. */
export function noContent(): Response {
  return new Response(null, { status: 204 })
}

/** A promise with its `resolve`/`reject` exposed, to hold a response back until the test says so. */
export interface Deferred<T> {
  readonly promise: Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
}

/** Creates a `Deferred`. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A sign-in body for record `id` whose token lives `lifetimeSeconds` from `nowMs`. */
export function signInBody(
  id = 'record1234567ab',
  options: { lifetimeSeconds?: number; nowMs?: number; refreshable?: boolean; collectionName?: string } = {},
): { token: string; record: Record<string, unknown> } {
  const nowMs = options.nowMs ?? Date.now()
  const collectionName = options.collectionName ?? 'users'
  const collectionId = collectionName === '_superusers' ? 'pbc_3142635823' : '_pb_users_auth_'
  return makeAuthResponse({
    record: { id, collectionId, collectionName, email: `${id}@example.com` },
    claims: {
      exp: Math.floor(nowMs / 1000) + (options.lifetimeSeconds ?? 3600),
      refreshable: options.refreshable ?? true,
    },
    nowMs,
  })
}

export { makeJwt }
