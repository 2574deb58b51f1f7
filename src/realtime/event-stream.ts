import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** One complete server-sent event. */
export type StreamMessage = EventSourceMessage

/**
 * Largest event (or unfinished line) the reader buffers: a stream that sends more without ending the event is
 * cut, so a hostile server cannot grow memory without bound. PocketBase records are far smaller.
 */
export const MAX_EVENT_CHARS = 16 * 1024 * 1024

/** How a stream ended, when it did not end cleanly. */
export type StreamFailure = 'oversized'

/**
 * Reads a `text/event-stream` body to its end with `eventsource-parser`, decoding UTF-8 across chunk
 * boundaries, and calls `onMessage` for each complete event (an event cut off by the end of the stream is
 * dropped, as the SSE standard says). Works wherever `fetch` streams bodies: Node >= 18, browsers, Deno, Bun.
 *
 * @param body - the response body
 * @param onMessage - called synchronously for each event, in order; it may abort the read
 * @returns `undefined` when the server ended the stream, `'oversized'` when an event passed
 * {@link MAX_EVENT_CHARS} (the read stops there)
 * @throws whatever the body's reader throws (a reset connection, an abort)
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: StreamMessage) => void,
): Promise<StreamFailure | undefined> {
  let failure: StreamFailure | undefined
  const parser = createParser({
    onEvent: onMessage,
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') failure = 'oversized'
    },
    maxBufferSize: MAX_EVENT_CHARS,
  })
  const reader = body.getReader()
  const decoder = new TextDecoder()
  try {
    for (;;) {
      const chunk = await reader.read()
      if (chunk.done) {
        parser.feed(decoder.decode())
        return failure
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }))
      if (failure !== undefined) return failure
    }
  } finally {
    // Ends the underlying request when we stop early; after the end of the stream it does nothing.
    reader.cancel().catch(() => undefined)
  }
}
