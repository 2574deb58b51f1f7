import { Buffer } from 'node:buffer'
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { AbortedError, TimeoutError } from '../index.js'

/** The callback parameters the loopback listener accepted: `state` is the attempt's own. */
export interface LoopbackCallbackParams {
  readonly state: string
  readonly code?: string
  readonly error?: string
}

/** The accepted callback: its parameters, and the browser's response, answered once the code is exchanged. */
export interface LoopbackCallback {
  readonly params: LoopbackCallbackParams
  readonly response: ServerResponse
}

/** What the listener waits for: the origin it serves and the attempt's `state`. */
export interface CallbackWaitOptions {
  /** `http://127.0.0.1:PORT`: the only origin served; a request with another `Host` is answered 421. */
  readonly origin: string
  /** The attempt's `state`: a callback with any other state is answered 400 and ignored. */
  readonly state: string
  /** How long to wait for the callback, in milliseconds. */
  readonly timeoutMs: number
  /** Ends the wait with `aborted`. */
  readonly signal: AbortSignal | undefined
}

/**
 * A wait for the one callback of an attempt. `received` settles once: with the first callback that carries the
 * attempt's state, or with `timeout`, `aborted` or the error given to `fail`. Every request is answered, before
 * and after that, until `close()`.
 */
export interface CallbackWait {
  readonly received: Promise<LoopbackCallback>
  /** Ends the wait with `error` unless it has already settled (e.g. `openUrl` rejected). */
  fail(error: unknown): void
  /** Stops the timer and the abort listener and stops serving requests. Idempotent. */
  close(): void
}

/**
 * The page the browser gets. `title` and `text` are fixed strings of this module (plus an error `code`), never
 * request input.
 *
 * @param title - the page's title and heading
 * @param text - one sentence for the user
 * @returns the HTML document
 */
export const callbackPage = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`

/**
 * Answers one request with a small HTML page and closes the connection.
 *
 * @param response - the response to write
 * @param status - the HTTP status
 * @param html - the page, from {@link callbackPage}
 */
export function respond(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
  })
  response.end(html)
}

const IGNORED = callbackPage(
  'Not this sign-in',
  'This request does not belong to the sign-in in progress and was ignored.',
)

/**
 * Serves the callback on `server` until `close()`: only `GET /callback` under `Host: 127.0.0.1:PORT` with the
 * attempt's `state` ends the wait. Wrong hosts get 421, malformed targets and other states 400, other paths 404;
 * none of them ends the wait or throws.
 *
 * @param server - the listening loopback server
 * @param options - see {@link CallbackWaitOptions}
 * @returns the wait; `received` rejects with `timeout` (`TimeoutError`) or `aborted` (`AbortedError`)
 */
export function waitForCallback(server: Server, options: CallbackWaitOptions): CallbackWait {
  const { origin, state, timeoutMs, signal } = options
  const host = new URL(origin).host
  let settled = false
  let resolveWait: (callback: LoopbackCallback) => void = () => {}
  let rejectWait: (error: unknown) => void = () => {}
  const received = new Promise<LoopbackCallback>((resolve, reject) => {
    resolveWait = resolve
    rejectWait = reject
  })

  const stopWaiting = (): void => {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
  const fail = (error: unknown): void => {
    if (settled) return
    settled = true
    stopWaiting()
    rejectWait(error)
  }
  const onAbort = (): void => fail(new AbortedError('authWithOAuth2Loopback: aborted by the caller'))
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.headers.host?.toLowerCase() !== host) {
      respond(response, 421, callbackPage('Wrong address', `This listener only answers http://${host}.`))
      return
    }
    const url = parseTarget(request.url, origin)
    if (url === undefined) return respond(response, 400, IGNORED)
    if (request.method !== 'GET' || url.pathname !== '/callback') {
      respond(response, 404, callbackPage('Not found', 'This address only receives the sign-in callback.'))
      return
    }
    const params = readParams(url)
    if (settled || params === undefined || !sameState(params.state, state)) {
      return respond(response, 400, IGNORED)
    }
    settled = true
    stopWaiting()
    resolveWait({ params, response })
  }

  const timer = setTimeout(
    () => fail(new TimeoutError(`authWithOAuth2Loopback: no callback within ${timeoutMs} ms`)),
    timeoutMs,
  )
  server.on('request', onRequest)
  if (signal?.aborted === true) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })

  return {
    received,
    fail,
    close: () => {
      stopWaiting()
      server.off('request', onRequest)
    },
  }
}

/**
 * The request target as a URL of `origin`, or `undefined`: only origin-form targets (`/path?query`) are read,
 * so `//host`, `http://other/`, `*` and `/\host` (which URL parsing turns into another host) are refused.
 */
function parseTarget(target: string | undefined, origin: string): URL | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined
  try {
    const url = new URL(target, origin)
    return url.origin === origin ? url : undefined
  } catch {
    return undefined
  }
}

/** `state`, `code` and `error` from the query; `undefined` when the state is missing or empty. */
function readParams(url: URL): LoopbackCallbackParams | undefined {
  const state = url.searchParams.get('state')
  if (state === null || state === '') return undefined
  const code = url.searchParams.get('code')
  const error = url.searchParams.get('error')
  return { state, ...(code === null ? {} : { code }), ...(error === null ? {} : { error }) }
}

/** Compares states in constant time for equal lengths (the attempt's state is the secret here). */
function sameState(received: string, expected: string): boolean {
  const a = Buffer.from(received)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}
