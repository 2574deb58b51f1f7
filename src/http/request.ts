import type { ResolvedConfig } from '../config.js'
import type { FailedExchange } from '../errors/auth-error.js'
import { errorFromResponse, type EndpointKind } from '../errors/from-response.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { AbortedError, NetworkError, TimeoutError } from '../errors/transport.js'
import { RequestDeadline } from './request-deadline.js'

/** One request to PocketBase. */
export interface PocketBaseRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Path below the base URL, starting with `/api/`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  /** JSON body. */
  readonly body?: unknown
  /** Sent as the raw `Authorization` header (PocketBase also accepts `Bearer`). */
  readonly token?: string
  /** The caller's signal. */
  readonly signal?: AbortSignal | undefined
  /** How to read an ambiguous error answer. @default { kind: 'other' } */
  readonly endpoint?: EndpointKind
  /**
   * Send the client's `gateSecret` (header {@link GATE_HEADER}): set on auth-with-* and auth-refresh requests
   * only, the requests a collection's `authRule` gate is evaluated on. @default false
   */
  readonly gated?: boolean
}

/**
 * The header that carries `gateSecret`. PocketBase exposes it to an `authRule` as
 * `@request.headers.x_pocketbase_auth_gate`.
 */
export const GATE_HEADER = 'X-PocketBase-Auth-Gate'

/** A successful (2xx) PocketBase response with its body parsed. */
export interface PocketBaseResponse {
  readonly status: number
  /** Parsed JSON, or `undefined` for an empty body (204). Untrusted until checked. */
  readonly body: unknown
  readonly headers: Headers
  /** Our clock (`config.now()`) when the body had arrived. */
  readonly receivedAt: number
  readonly exchange: FailedExchange
}

/**
 * Builds `/api/collections/{collection}/{action}` with the collection name encoded.
 *
 * @param collection - the collection's name; URL-encoded here
 * @param action - the rest of the path, e.g. `auth-with-password`; used as it is
 * @returns the path, starting with `/api/`
 */
export function collectionPath(collection: string, action: string): string {
  return `/api/collections/${encodeURIComponent(collection)}/${action}`
}

/**
 * Sends one request with a per-request timeout, honouring the caller's signal, and maps every failure to
 * exactly one `AuthError`. `fetch` is looked up on each call so test tools and users can intercept it.
 *
 * @param config - base URL, timeout (ms), `fetch`, clock and `userAgent`
 * @param request - see {@link PocketBaseRequest}
 * @returns the 2xx response; `body` is the parsed JSON, `undefined` when empty
 * @throws {AbortedError} `aborted` when `request.signal` aborts.
 * @throws {TimeoutError} `timeout` when no complete response arrives within `config.timeoutMs`.
 * @throws {NetworkError} `network` when no response arrives or the body breaks off.
 * @throws {UnexpectedResponseError} `unexpected_response` for a body that is not JSON (except with status
 * 403, 404, 429 or 5xx).
 * @throws {AuthError} for any other non-2xx answer, the error `errorFromResponse` maps it to.
 */
export async function pocketBaseRequest(
  config: ResolvedConfig,
  request: PocketBaseRequest,
): Promise<PocketBaseResponse> {
  const where = `${request.method} ${request.path}`
  const exchangeBase = { method: request.method, path: request.path }
  const callerAborted = (): boolean => request.signal?.aborted === true
  if (callerAborted()) throw new AbortedError(`${where}: aborted by the caller`)

  const deadline = new RequestDeadline(config.timeoutMs, request.signal)

  try {
    const doFetch = config.fetch ?? globalThis.fetch
    let response: Response
    let text: string
    try {
      response = await doFetch(buildUrl(config.url, request), {
        method: request.method,
        headers: buildHeaders(config, request),
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: deadline.signal,
      })
      text = await readBody(response, deadline.signal)
    } catch (error) {
      if (deadline.timedOut) {
        throw new TimeoutError(`${where}: no complete response within ${config.timeoutMs} ms`, {
          cause: error,
        })
      }
      if (callerAborted()) {
        throw new AbortedError(`${where}: aborted by the caller`)
      }
      throw new NetworkError(`${where}: network error (${describeNetworkError(error)})`, { cause: error })
    }
    const receivedAt = config.now()
    const parsed = parseBody(text)
    const body = parsed === INVALID_JSON ? undefined : parsed
    const exchange: FailedExchange = { ...exchangeBase, status: response.status, body }
    // A non-JSON error page (from a proxy, say) still means what its status says for 403, 404, 429 and 5xx.
    // A non-JSON 400 or 401 is not PocketBase speaking: reading it as bad credentials or a rejected token (which
    // ends the session) would be wrong, so it is an unexpected response.
    if (parsed === INVALID_JSON && response.status < 500 && !STATUS_ONLY.has(response.status)) {
      throw new UnexpectedResponseError(
        `${where}: the response body (status ${response.status}) is not valid JSON`,
        {
          status: response.status,
          exchange,
        },
      )
    }
    if (!response.ok) {
      throw errorFromResponse(
        { ...exchange, status: response.status },
        {
          endpoint: request.endpoint ?? { kind: 'other' },
          sentToken: request.token !== undefined,
          retryAfter: response.headers.get('retry-after'),
        },
      )
    }
    return { status: response.status, body, headers: response.headers, receivedAt, exchange }
  } finally {
    deadline.end()
  }
}

/**
 * Reads the body as text, giving up as soon as `signal` aborts, even with a `fetch` (a wrapper, a mock) that
 * does not tie its body stream to the request signal: a body that stalls mid-way must still time out.
 */
async function readBody(response: Response, signal: AbortSignal): Promise<string> {
  const body = response.body
  if (body === null) return ''
  if (signal.aborted) throw signal.reason
  const reader = body.getReader()
  // Cancelling ends the pending read; the stream is abandoned, so a failure to cancel changes nothing.
  const onAbort = (): void => void reader.cancel(signal.reason).catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  const decoder = new TextDecoder()
  let text = ''
  try {
    for (;;) {
      const chunk = await reader.read()
      if (signal.aborted) throw signal.reason
      if (chunk.done) return text + decoder.decode()
      text += decoder.decode(chunk.value, { stream: true })
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

const INVALID_JSON = Symbol('invalid JSON')

/** Statuses whose meaning does not depend on the body. */
const STATUS_ONLY: ReadonlySet<number> = new Set([403, 404, 429])

/**
 * Parses a body as JSON. The SyntaxError is dropped on purpose: V8 quotes the input in its message, and a
 * truncated sign-in response would put part of a token into an error.
 */
function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return INVALID_JSON
  }
}

function buildUrl(base: string, request: PocketBaseRequest): string {
  const url = new URL(base + request.path)
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value)
  }
  return url.toString()
}

function buildHeaders(config: ResolvedConfig, request: PocketBaseRequest): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (request.body !== undefined) headers['Content-Type'] = 'application/json'
  if (request.token !== undefined) headers.Authorization = request.token
  if (config.userAgent !== undefined) headers['User-Agent'] = config.userAgent
  if (request.gated === true && config.gateSecret !== undefined) headers[GATE_HEADER] = config.gateSecret
  return headers
}

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  if (typeof cause?.code === 'string') return cause.code
  return error instanceof Error ? error.message : 'unknown'
}
