import type { ResolvedConfig } from '../config.js'
import type { AuthError, FailedExchange } from '../errors/auth-error.js'
import { errorFromResponse, type EndpointKind } from '../errors/from-response.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { requestLabel, urlForMessages } from '../errors/request-label.js'
import { cleanServerText } from '../errors/server-text.js'
import { AbortedError, NetworkError, TimeoutError } from '../errors/transport.js'
import { RequestDeadline } from './request-deadline.js'
import { discardBody, MAX_RESPONSE_BYTES, refusedResponse, TOO_LARGE_REASON } from './response-guards.js'

export { MAX_RESPONSE_BYTES } from './response-guards.js'

/** One request to PocketBase. */
export interface PocketBaseRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** Path below the base URL, starting with `/api/`. */
  readonly path: string
  readonly query?: Readonly<Record<string, string | undefined>>
  /** JSON body. */
  readonly body?: unknown
  /** Sent as the raw `Authorization` header (PocketBase also accepts `Bearer`). */
  readonly token?: string | undefined
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
  /** Method, path, URL and status, for errors about this response; never its body. */
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
 * Redirects are never followed (`redirect: 'manual'`): a 3xx would make `fetch` send the password, OTP code or
 * PKCE verifier on to another origin. Every message names the method and the URL (origin and path, never the
 * query string or credentials).
 *
 * @param config - base URL, timeout (ms), `fetch`, clock and `userAgent`
 * @param request - see {@link PocketBaseRequest}
 * @returns the 2xx response; `body` is the parsed JSON, `undefined` when empty; its `exchange` carries no body
 * @throws {AbortedError} `aborted` when `request.signal` aborts.
 * @throws {TimeoutError} `timeout` when no complete response arrives within `config.timeoutMs`.
 * @throws {NetworkError} `network` when no response arrives or the body breaks off.
 * @throws {UnexpectedResponseError} `unexpected_response` for a redirect (3xx, or a browser's
 * `opaqueredirect`; its body is not read), a body over {@link MAX_RESPONSE_BYTES}, or a body that is not JSON
 * (except with status 403, 404, 429 or 5xx).
 * @throws {AuthError} for any other non-2xx answer, the error `errorFromResponse` maps it to.
 * @example
 * ```ts
 * const response = await pocketBaseRequest(config, { method: 'GET', path: collectionPath('users', 'auth-methods') })
 * ```
 */
export async function pocketBaseRequest(
  config: ResolvedConfig,
  request: PocketBaseRequest,
): Promise<PocketBaseResponse> {
  const url = buildUrl(config.url, request)
  const exchangeBase = {
    method: request.method,
    path: request.path,
    url: urlForMessages(url) ?? request.path,
  }
  const where = requestLabel(exchangeBase)
  const callerAborted = (): boolean => request.signal?.aborted === true
  if (callerAborted()) throw new AbortedError(`${where}: aborted by the caller`)

  const deadline = new RequestDeadline(config.timeoutMs, request.signal)
  const transportError = (error: unknown): AuthError => {
    if (deadline.timedOut) {
      return new TimeoutError(`${where}: no complete response within ${config.timeoutMs} ms`, {
        cause: error,
      })
    }
    if (callerAborted()) return new AbortedError(`${where}: aborted by the caller`)
    return new NetworkError(`${where}: network error (${describeNetworkError(error)})`, { cause: error })
  }

  try {
    const doFetch = config.fetch ?? globalThis.fetch
    let response: Response
    try {
      response = await doFetch(url, {
        method: request.method,
        headers: buildHeaders(config, request),
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: deadline.signal,
        redirect: 'manual',
      })
    } catch (error) {
      throw transportError(error)
    }
    // A browser's opaque redirect has status 0, which no error reports as a status.
    const status = response.status === 0 ? undefined : response.status
    const withStatus = { ...exchangeBase, ...(status === undefined ? {} : { status }) }
    const refuse = (reason: string): UnexpectedResponseError => {
      discardBody(response)
      return new UnexpectedResponseError(`${where}: ${reason}`, { exchange: withStatus })
    }
    const refused = refusedResponse(response)
    if (refused !== undefined) throw refuse(refused)
    let text: string | typeof TOO_LARGE
    try {
      text = await readBody(response, deadline.signal)
    } catch (error) {
      throw transportError(error)
    }
    if (text === TOO_LARGE) throw refuse(`the response body ${TOO_LARGE_REASON}`)
    const receivedAt = config.now()
    const parsed = parseBody(text)
    const body = parsed === INVALID_JSON ? undefined : parsed
    const exchange: FailedExchange = { ...exchangeBase, status: response.status }
    // A non-JSON error page (from a proxy, say) still means what its status says for 403, 404, 429 and 5xx.
    // A non-JSON 400 or 401 is not PocketBase speaking: reading it as bad credentials or a rejected token (which
    // ends the session) would be wrong, so it is an unexpected response.
    if (parsed === INVALID_JSON && response.status < 500 && !STATUS_ONLY.has(response.status)) {
      throw new UnexpectedResponseError(
        `${where}: the response body (status ${response.status}) is not valid JSON`,
        { exchange },
      )
    }
    if (!response.ok) {
      throw errorFromResponse(
        { ...exchange, status: response.status, body },
        {
          endpoint: request.endpoint ?? { kind: 'other' },
          sentToken: request.token !== undefined,
          retryAfter: response.headers.get('retry-after'),
        },
      )
    }
    // The exchange of a successful response has no body: nothing built from it (an error about its shape, say)
    // can carry the token it holds.
    return { status: response.status, body, headers: response.headers, receivedAt, exchange }
  } finally {
    deadline.end()
  }
}

const TOO_LARGE = Symbol('too large')

/**
 * Reads the body as text, giving up as soon as `signal` aborts, even with a `fetch` (a wrapper, a mock) that
 * does not tie its body stream to the request signal: a body that stalls mid-way must still time out. Stops
 * (and cancels the stream) once more than {@link MAX_RESPONSE_BYTES} bytes have arrived.
 */
async function readBody(response: Response, signal: AbortSignal): Promise<string | typeof TOO_LARGE> {
  const body = response.body
  if (body === null) return ''
  if (signal.aborted) throw signal.reason
  const reader = body.getReader()
  // Cancelling ends the pending read; the stream is abandoned, so a failure to cancel changes nothing.
  const onAbort = (): void => void reader.cancel(signal.reason).catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  try {
    for (;;) {
      const chunk = await reader.read()
      if (signal.aborted) throw signal.reason
      if (chunk.done) return text + decoder.decode()
      bytes += chunk.value.byteLength
      if (bytes > MAX_RESPONSE_BYTES) {
        void reader.cancel().catch(() => undefined)
        return TOO_LARGE
      }
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

/** The cause's code (`ECONNREFUSED`, `ENOTFOUND`…) or the error's message, bounded and without control characters. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  if (typeof cause?.code === 'string') return cleanServerText(cause.code, 64)
  return error instanceof Error ? cleanServerText(error.message, 200) : 'unknown'
}
