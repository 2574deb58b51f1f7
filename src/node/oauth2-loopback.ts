import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AbortedError,
  ConfigError,
  isAuthError,
  NetworkError,
  OAuth2StateInvalidError,
  TimeoutError,
  type AuthClient,
  type OAuth2AuthSession,
  type OAuth2SignInOptions,
} from '../index.js'

/** Options of `authWithOAuth2Loopback`. */
export interface OAuth2LoopbackOptions extends Omit<OAuth2SignInOptions, 'signal'> {
  /** Opens the provider URL for the user: launch a browser, or print it. */
  openUrl: (url: string) => void | Promise<void>
  /** Port on 127.0.0.1 to listen on; register `http://127.0.0.1:PORT/callback` with the provider. @default 0 (any free port) */
  port?: number
  /** How long to wait for the browser to come back. @default 300000 (5 minutes) */
  timeoutMs?: number
  /** Cancels the wait. */
  signal?: AbortSignal
  /** Fields for a new user's record. */
  createData?: Record<string, unknown>
}

const PAGE = (title: string, text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font-family:system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`

/**
 * OAuth2 sign-in for CLI scripts: listens once on 127.0.0.1, sends the user to the provider through
 * `openUrl`, receives the callback, checks `state` and exchanges the code. The browser gets a small page that
 * says it may be closed. The listener closes on success, failure, timeout or abort.
 *
 * @param auth - the client to sign in; it emits `signedIn` as for `completeOAuth2`
 * @param provider - the provider's key, e.g. `google`
 * @param options - see {@link OAuth2LoopbackOptions}
 * @returns The session plus the provider's `meta` (as `completeOAuth2`).
 * @throws {OAuth2FailedError} `oauth2_failed` when the provider refuses.
 * @throws {OAuth2StateInvalidError} `oauth2_state_invalid` when the callback's state is not this attempt's.
 * @throws {TimeoutError} `timeout` when no callback arrives within `timeoutMs`.
 * @throws {AbortedError} `aborted` when `signal` aborts.
 * @throws {ConfigError} `config_invalid` for bad options, before listening.
 * @throws {NetworkError} `network` when it cannot listen on `127.0.0.1:port`.
 * @example
 * ```ts
 * const session = await authWithOAuth2Loopback(auth, 'google', {
 *   openUrl: (url) => console.log(`Open ${url} to sign in`),
 * })
 * ```
 */
export async function authWithOAuth2Loopback(
  auth: AuthClient,
  provider: string,
  options: OAuth2LoopbackOptions,
): Promise<OAuth2AuthSession> {
  checkOptions(options)
  const { openUrl, port = 0, timeoutMs = 300_000, signal, createData, ...signInOptions } = options
  if (signal?.aborted === true) throw new AbortedError('authWithOAuth2Loopback: aborted by the caller')
  const withSignal = signal === undefined ? {} : { signal }
  const server = createServer()
  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      rejectListen(
        new NetworkError(
          `authWithOAuth2Loopback: cannot listen on 127.0.0.1:${port} (${error.code ?? 'error'})`,
          {
            cause: error,
          },
        ),
      ),
    )
    server.listen(port, '127.0.0.1', () => resolveListen())
  })
  try {
    const { port: boundPort } = server.address() as AddressInfo
    const redirectUrl = `http://127.0.0.1:${boundPort}/callback`
    const { url, state } = await auth.startOAuth2(provider, { redirectUrl, ...withSignal })
    const callback = waitForCallback(server, timeoutMs, signal)
    try {
      await openUrl(url)
    } catch (error) {
      callback.cancel()
      throw error
    }
    const { request, response } = await callback.received
    try {
      const params = parseParams(new URL(request.url ?? '/', redirectUrl))
      if (params.state !== state) {
        throw new OAuth2StateInvalidError('authWithOAuth2Loopback: the callback belongs to another attempt')
      }
      const session = await auth.completeOAuth2(
        { ...params, ...(createData === undefined ? {} : { createData }) },
        { ...signInOptions, ...withSignal },
      )
      respond(response, 200, PAGE('Signed in', 'You are signed in. You may close this tab.'))
      return session
    } catch (error) {
      const code = isAuthError(error) ? error.code : 'error'
      respond(response, 400, PAGE('Sign-in failed', `Sign-in failed (${code}). You may close this tab.`))
      throw error
    }
  } finally {
    server.closeAllConnections()
    server.close()
  }
}

function checkOptions(options: OAuth2LoopbackOptions): void {
  const issues = []
  if (typeof options.openUrl !== 'function')
    issues.push({ path: 'options.openUrl', message: 'must be a function' })
  const { port, timeoutMs } = options
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    issues.push({ path: 'options.port', message: 'must be a port number (0 for any free port)' })
  }
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    issues.push({ path: 'options.timeoutMs', message: 'must be a positive whole number of milliseconds' })
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to authWithOAuth2Loopback')
}

function parseParams(url: URL): { state: string; code?: string; error?: string } {
  const code = url.searchParams.get('code')
  const error = url.searchParams.get('error')
  return {
    state: url.searchParams.get('state') ?? '',
    ...(code === null ? {} : { code }),
    ...(error === null ? {} : { error }),
  }
}

/** A pending wait for the callback request; `cancel()` stops waiting (timer, signal and listener). */
interface CallbackWait {
  readonly received: Promise<{ request: IncomingMessage; response: ServerResponse }>
  cancel(): void
}

function waitForCallback(
  server: ReturnType<typeof createServer>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): CallbackWait {
  let cleanup = (): void => {}
  const received = new Promise<{ request: IncomingMessage; response: ServerResponse }>(
    (resolveCallback, rejectCallback) => {
      cleanup = (): void => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        server.off('request', onRequest)
      }
      const timer = setTimeout(() => {
        cleanup()
        rejectCallback(new TimeoutError(`authWithOAuth2Loopback: no callback within ${timeoutMs} ms`))
      }, timeoutMs)
      const onAbort = (): void => {
        cleanup()
        rejectCallback(new AbortedError('authWithOAuth2Loopback: aborted by the caller'))
      }
      const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
        const { pathname } = new URL(request.url ?? '/', 'http://127.0.0.1')
        if (request.method !== 'GET' || pathname !== '/callback') {
          respond(response, 404, PAGE('Not found', 'This address only receives the sign-in callback.'))
          return
        }
        cleanup()
        resolveCallback({ request, response })
      }
      if (signal?.aborted === true) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      server.on('request', onRequest)
    },
  )
  return { received, cancel: () => cleanup() }
}

function respond(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'close',
  })
  response.end(html)
}
