/**
 * Helpers for tests that talk to the OAuth2 loopback listener over real HTTP: a raw-socket client (for request
 * lines and Host headers `fetch` will not send), the URL `openUrl` receives, and whether a port still listens.
 */
import { connect } from 'node:net'

/** What a raw HTTP exchange returned: the status code and the whole response text. */
export interface RawResponse {
  readonly status: number
  readonly text: string
}

/**
 * Sends `head` (request line and headers, without the blank line) to 127.0.0.1:port over a fresh socket and reads
 * until the server closes it. The loopback listener answers every request with `Connection: close`.
 */
export function rawRequest(port: number, head: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.once('error', reject)
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? Number.NaN)
      resolve({ status, text })
    })
    socket.write(`${head}\r\nConnection: close\r\n\r\n`)
  })
}

/** A GET of `target` with the given Host header (or none, when `host` is undefined). */
export function rawGet(port: number, target: string, host: string | undefined): Promise<RawResponse> {
  return rawRequest(port, `GET ${target} HTTP/1.1${host === undefined ? '' : `\r\nHost: ${host}`}`)
}

/** Resolves with the first URL the loopback helper hands to `openUrl`. */
export function capturedOpenUrl(): { openUrl: (url: string) => void; opened: Promise<string> } {
  let resolveOpened: (url: string) => void = () => {}
  const opened = new Promise<string>((resolve) => (resolveOpened = resolve))
  return { openUrl: (url) => resolveOpened(url), opened }
}

/** The loopback callback URL the provider will redirect to, read from the authorize URL. */
export function loopbackOf(authorizeUrl: string): URL {
  const redirect = new URL(authorizeUrl).searchParams.get('redirect_uri')
  if (redirect === null) throw new Error('the authorize URL has no redirect_uri')
  return new URL(redirect)
}

/** The `state` PocketBase put into the authorize URL. */
export function stateOf(authorizeUrl: string): string {
  const state = new URL(authorizeUrl).searchParams.get('state')
  if (state === null) throw new Error('the authorize URL has no state')
  return state
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Settles a promise into a value or the error, so a rejection is never left unhandled. */
export function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
}

/** A promise the test resolves by hand: stands in for an `openUrl` that is still busy. */
export function pendingPromise(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}
