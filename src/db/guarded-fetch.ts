import { UnexpectedResponseError } from '../errors/protocol.js'
import { urlForMessages } from '../errors/request-label.js'
import {
  discardBody,
  MAX_RESPONSE_BYTES,
  refusedResponse,
  TOO_LARGE_REASON,
} from '../http/response-guards.js'

/**
 * A response the guard refused, raised inside `fetch` so that it travels through the `pocketbase` SDK: named
 * `AbortError` because the SDK re-throws only abort errors from reading a body (it swallows any other and answers
 * `{}`). The db adapter unwraps `refusal` from the SDK's error.
 */
export class GuardRefusal extends Error {
  /** The typed error the caller gets. */
  readonly refusal: UnexpectedResponseError

  /** @param refusal - the typed error the caller gets */
  constructor(refusal: UnexpectedResponseError) {
    super(refusal.message)
    this.name = 'AbortError'
    this.refusal = refusal
  }
}

/**
 * Wraps the `fetch` the db adapter hands to the `pocketbase` SDK with the same response checks as the core's own
 * requests: a redirect (the adapter sends `redirect: 'manual'`) or a `Content-Length` over
 * {@link MAX_RESPONSE_BYTES} is refused before the body is read; a body without `Content-Length` (chunked) is
 * counted while the SDK reads it and cut off past the limit. Every refusal is an `unexpected_response` naming
 * the method and URL (no query string).
 *
 * @param currentFetch - returns the `fetch` to call for each request (the client's, else the global one)
 * @returns a `fetch` for the SDK's send options
 */
export function guardedFetch(
  currentFetch: () => typeof globalThis.fetch,
): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    const response = await currentFetch()(input, init)
    const refused = refusedResponse(response)
    const where = (): string => `${(init?.method ?? 'GET').toUpperCase()} ${label(input)}`
    if (refused !== undefined) {
      discardBody(response)
      throw new GuardRefusal(
        new UnexpectedResponseError(`${where()}: ${refused}`, { status: response.status }),
      )
    }
    const body = response.body
    if (body === null || response.headers.has('content-length')) return response
    const counted = new Response(countBytes(body, where), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
    // The SDK names the response's URL in its errors; a constructed Response has none of its own.
    Object.defineProperty(counted, 'url', { value: response.url })
    return counted
  }
}

/** The stream's bytes, passed through until more than the limit have arrived; then it fails (AbortError). */
function countBytes(body: ReadableStream<Uint8Array>, where: () => string): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let bytes = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read()
      if (chunk.done) return controller.close()
      bytes += chunk.value.byteLength
      if (bytes > MAX_RESPONSE_BYTES) {
        void reader.cancel().catch(() => undefined)
        return controller.error(
          new GuardRefusal(new UnexpectedResponseError(`${where()}: the response body ${TOO_LARGE_REASON}`)),
        )
      }
      controller.enqueue(chunk.value)
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}

function label(input: RequestInfo | URL): string {
  const url = typeof input === 'string' || input instanceof URL ? input : input.url
  return urlForMessages(url) ?? '(request)'
}
