import type { ResolvedConfig } from '../config.js'
import type { AuthError } from '../errors/auth-error.js'
import { errorFromResponse } from '../errors/from-response.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { NetworkError } from '../errors/transport.js'
import { MAX_EVENT_CHARS, readEventStream, type StreamMessage } from './event-stream.js'

const WHERE = 'GET /api/realtime'

/**
 * Opens PocketBase's realtime stream (`GET /api/realtime`, no auth: the subscriptions carry it) with the
 * client's `fetch`, and reads it until it ends, calling `onMessage` for every event.
 *
 * @param config - the client's URL, `fetch` and `userAgent`
 * @param signal - ends the stream (the caller then ignores the result)
 * @param onMessage - called synchronously for each event, in order
 * @returns why the stream ended; it never rejects: `network` when the server closed it or it broke off,
 * the status's error for a non-2xx answer, `unexpected_response` for something that is not an event stream
 */
export async function openEventStream(
  config: ResolvedConfig,
  signal: AbortSignal,
  onMessage: (message: StreamMessage) => void,
): Promise<AuthError> {
  const headers: Record<string, string> = { Accept: 'text/event-stream' }
  if (config.userAgent !== undefined) headers['User-Agent'] = config.userAgent
  try {
    const response = await (config.fetch ?? globalThis.fetch)(`${config.url}/api/realtime`, {
      headers,
      signal,
    })
    const body = response.body
    if (!response.ok || body === null || !isEventStream(response.headers.get('content-type'))) {
      // The body is not read: a status says enough, and a hostile server could send a huge one.
      response.body?.cancel().catch(() => undefined)
      if (!response.ok) {
        const exchange = { method: 'GET', path: '/api/realtime', status: response.status }
        return errorFromResponse(exchange, { endpoint: { kind: 'other' }, sentToken: false })
      }
      return new UnexpectedResponseError(`${WHERE}: the response is not an event stream`, {
        status: response.status,
      })
    }
    const failure = await readEventStream(body, onMessage)
    if (failure === 'oversized') {
      return new UnexpectedResponseError(`${WHERE}: an event was longer than ${MAX_EVENT_CHARS} characters`)
    }
    return new NetworkError(`${WHERE}: the server closed the stream`)
  } catch (error) {
    return new NetworkError(`${WHERE}: the stream broke off (${describe(error)})`, { cause: error })
  }
}

function isEventStream(contentType: string | null): boolean {
  return contentType !== null && contentType.toLowerCase().startsWith('text/event-stream')
}

function describe(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  if (typeof cause?.code === 'string') return cause.code
  return error instanceof Error ? error.name : 'unknown'
}
