/**
 * One auth-refresh per token per process: a browser often sends several requests at once (a page and its data
 * requests), each with the same session cookie and each with its own request client. When the token is due, they
 * would each refresh it. Their clients' `fetch` goes through this wrapper, which lets concurrent auth-refresh
 * requests for the same token, URL and gate share one request to PocketBase: the first sends it, the others wait
 * for its answer, and each gets its own copy of the response (so each client checks it, stores it and writes its
 * cookie as usual). Every other request passes straight through.
 * @module
 */
import { GATE_HEADER, raceAbort } from '../kit.js'

/** The largest auth-refresh body buffered for sharing (the core's own limit for any response). */
const MAX_SHARED_BODY_BYTES = 16 * 1024 * 1024

/** Statuses a `Response` may not carry a body with. */
const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304])

/** A response read to the end, so every waiter can get a fresh copy. */
interface BufferedResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: Headers
  readonly body: Uint8Array<ArrayBuffer> | null
}

/** Refreshes in flight, per `fetch` implementation, by URL + token + gate. */
const inFlight = new WeakMap<typeof globalThis.fetch, Map<string, Promise<BufferedResponse>>>()
const inFlightOnGlobal = new Map<string, Promise<BufferedResponse>>()

/**
 * Wraps a `fetch` so concurrent auth-refresh requests of one token share one request.
 *
 * @param base - the `fetch` to use; `undefined` looks up `globalThis.fetch` on each request
 * @param timeoutMs - the time limit of a shared request (each waiter also keeps its own signal)
 * @returns the wrapped `fetch`
 */
export function sharingRefreshes(
  base: typeof globalThis.fetch | undefined,
  timeoutMs: number,
): typeof globalThis.fetch {
  return async (input, init) => {
    const doFetch = base ?? globalThis.fetch
    const key = refreshKey(input, init)
    if (key === undefined) return doFetch(input, init)
    let map = base === undefined ? inFlightOnGlobal : inFlight.get(base)
    if (map === undefined) {
      map = new Map()
      if (base !== undefined) inFlight.set(base, map)
    }
    let shared = map.get(key)
    if (shared === undefined) {
      const table = map
      // The shared request has a time limit of its own: one waiter's abort must not fail the others.
      shared = doFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) })
        .then(buffer)
        .finally(() => {
          if (table.get(key) === shared) table.delete(key)
        })
      map.set(key, shared)
    }
    const signal = init?.signal ?? undefined
    const buffered = await (signal === undefined ? shared : raceAbort(shared, signal, () => signal.reason))
    return new Response(buffered.body === null ? null : buffered.body.slice(), {
      status: buffered.status,
      statusText: buffered.statusText,
      headers: buffered.headers,
    })
  }
}

/** The key of an auth-refresh request (`POST …/auth-refresh` with a token), or `undefined` for anything else. */
function refreshKey(input: Parameters<typeof fetch>[0], init: RequestInit | undefined): string | undefined {
  if (init?.method !== 'POST' || typeof input !== 'string') return undefined
  const path = input.split('?', 1)[0] ?? ''
  if (!path.endsWith('/auth-refresh')) return undefined
  const headers = new Headers(init.headers)
  const token = headers.get('authorization')
  if (token === null || token === '') return undefined
  return `${input}\n${token}\n${headers.get(GATE_HEADER) ?? ''}`
}

async function buffer(response: Response): Promise<BufferedResponse> {
  const head = { status: response.status, statusText: response.statusText, headers: response.headers }
  if (response.body === null || NULL_BODY_STATUSES.has(response.status)) {
    await response.body?.cancel().catch(() => undefined)
    return { ...head, body: null }
  }
  const reader = response.body.getReader()
  const parts: Uint8Array[] = []
  let size = 0
  for (;;) {
    const chunk = await reader.read()
    if (chunk.done) break
    size += chunk.value.byteLength
    if (size > MAX_SHARED_BODY_BYTES) {
      await reader.cancel().catch(() => undefined)
      throw new TypeError(`auth-refresh response body over ${MAX_SHARED_BODY_BYTES} bytes`)
    }
    parts.push(chunk.value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const part of parts) {
    body.set(part, offset)
    offset += part.byteLength
  }
  return { ...head, body }
}
