import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  AbortedError,
  ConfigError,
  isAuthError,
  NetworkError,
  type AuthClient,
  type OAuth2AuthSession,
  type OAuth2SignInOptions,
} from '../index.js'
import { callbackPage, respond, waitForCallback, type CallbackWait } from './loopback-callback.js'

/** Options of `authWithOAuth2Loopback`. */
export interface OAuth2LoopbackOptions extends Omit<OAuth2SignInOptions, 'signal'> {
  /**
   * Opens the provider URL for the user: launch a browser, or print it. It runs beside the wait, so it may
   * resolve only after the browser has landed; a rejection before the callback arrives fails the sign-in.
   */
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

/**
 * OAuth2 sign-in for CLI scripts: listens on 127.0.0.1, sends the user to the provider through `openUrl`,
 * receives the callback, checks `state` and exchanges the code. The browser gets a small page that says it may be
 * closed. The listener closes on success, failure, timeout or abort.
 *
 * Only `GET /callback` under `Host: 127.0.0.1:PORT` carrying this attempt's `state` is taken: a request under
 * another Host (DNS rebinding; `localhost` too, since the provider is only ever given the `127.0.0.1` URL) is
 * answered 421, a malformed request or another state 400, another path 404, and the wait goes on.
 * `openUrl` runs beside the wait, so it may resolve only after the browser has landed
 * (`open(url, { wait: true })`, a headless browser); if it rejects before the callback arrives, the sign-in fails
 * with its error, and a rejection after that is ignored.
 *
 * @param auth - the client to sign in; it emits `signedIn` as for `completeOAuth2`
 * @param provider - the provider's key, e.g. `google`
 * @param options - see {@link OAuth2LoopbackOptions}
 * @returns The session plus the provider's `meta` (as `completeOAuth2`).
 * @throws {OAuth2FailedError} `oauth2_failed` when the provider refuses.
 * @throws {OAuth2StateInvalidError} `oauth2_state_invalid` when the attempt expired before the callback (a
 * `timeoutMs` longer than the 10 minutes a state lives).
 * @throws {TimeoutError} `timeout` when no callback arrives within `timeoutMs`.
 * @throws {AbortedError} `aborted` when `signal` aborts.
 * @throws {ConfigError} `config_invalid` for bad options, before listening.
 * @throws {NetworkError} `network` when it cannot listen on `127.0.0.1:port`.
 * @throws whatever `openUrl` rejects with, when it rejects before the callback arrives.
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
  const server = await listenOnLoopback(port)
  let wait: CallbackWait | undefined
  try {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const redirectUrl = `${origin}/callback`
    const { url, state } = await auth.startOAuth2(provider, { redirectUrl, ...withSignal })
    const callbackWait = waitForCallback(server, { origin, state, timeoutMs, signal })
    wait = callbackWait
    // Beside the wait, never before it: an openUrl may resolve only once the browser has landed.
    Promise.resolve()
      .then(() => openUrl(url))
      .then(undefined, (error: unknown) => callbackWait.fail(error))
    const { params, response } = await callbackWait.received
    try {
      const session = await auth.completeOAuth2(
        { ...params, ...(createData === undefined ? {} : { createData }) },
        { ...signInOptions, ...withSignal },
      )
      respond(response, 200, callbackPage('Signed in', 'You are signed in. You may close this tab.'))
      return session
    } catch (error) {
      const code = isAuthError(error) ? error.code : 'error'
      respond(
        response,
        400,
        callbackPage('Sign-in failed', `Sign-in failed (${code}). You may close this tab.`),
      )
      throw error
    }
  } finally {
    wait?.close()
    server.closeAllConnections()
    server.close()
  }
}

/** Listens on 127.0.0.1:port; a port in use (or any listen error) is a `NetworkError` naming it. */
async function listenOnLoopback(port: number): Promise<Server> {
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
  return server
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
