import { describe, expect, it } from 'vitest'
import { MAX_EVENT_CHARS, readEventStream, type StreamMessage } from '../../src/realtime/event-stream.js'

/** A body that delivers exactly these chunks, then ends (or fails). */
function body(chunks: (string | Uint8Array)[], end: 'close' | 'fail' = 'close'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[i++]
      if (chunk !== undefined) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
      else if (end === 'close') controller.close()
      else controller.error(new TypeError('terminated'))
    },
  })
}

async function read(chunks: (string | Uint8Array)[]): Promise<StreamMessage[]> {
  const messages: StreamMessage[] = []
  await readEventStream(body(chunks), (m) => void messages.push(m))
  return messages
}

describe('readEventStream', () => {
  it('reads PocketBase events (id, event, data) in order', async () => {
    const text =
      'id:c1\nevent:PB_CONNECT\ndata:{"clientId":"c1"}\n\nid:c1\nevent:posts/*\ndata:{"action":"create"}\n\n'
    expect(await read([text])).toEqual([
      { id: 'c1', event: 'PB_CONNECT', data: '{"clientId":"c1"}' },
      { id: 'c1', event: 'posts/*', data: '{"action":"create"}' },
    ])
  })

  it('joins events split at every possible chunk boundary', async () => {
    const text = 'id:c1\nevent:posts/*\ndata:{"a":1}\n\nevent:posts/x\ndata:{"b":2}\n\n'
    for (let cut = 1; cut < text.length; cut++) {
      const messages = await read([text.slice(0, cut), text.slice(cut)])
      expect(messages.map((m) => [m.event, m.data])).toEqual([
        ['posts/*', '{"a":1}'],
        ['posts/x', '{"b":2}'],
      ])
    }
  })

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = new TextEncoder().encode('event:t\ndata:{"title":"Grüße 🎉"}\n\n')
    const split = bytes.indexOf(0xf0) + 2 // inside the four bytes of the emoji
    const messages = await read([bytes.slice(0, split), bytes.slice(split)])
    expect(messages[0]?.data).toBe('{"title":"Grüße 🎉"}')
  })

  it('accepts CRLF and CR line endings, multi-line data and comments', async () => {
    const messages = await read([
      ': keep-alive\r\nevent:a\r\ndata:one\r\ndata:two\r\n\r\n',
      'event:b\rdata:x\r\revent:c\ndata:y\n\n',
    ])
    expect(messages.map((m) => [m.event, m.data])).toEqual([
      ['a', 'one\ntwo'],
      ['b', 'x'],
      ['c', 'y'],
    ])
  })

  it('drops an event cut off by the end of the stream', async () => {
    expect(await read(['event:a\ndata:1\n\nevent:b\ndata:2\n'])).toEqual([
      { event: 'a', data: '1', id: undefined },
    ])
  })

  it('stops with "oversized" at an event longer than the limit (a hostile server)', async () => {
    const messages: StreamMessage[] = []
    const huge = 'x'.repeat(1024 * 1024)
    const chunks = ['event:a\ndata:1\n\n', 'event:b\ndata:', ...Array.from({ length: 20 }, () => huge)]
    const result = await readEventStream(body(chunks), (m) => void messages.push(m))
    expect(result).toBe('oversized')
    expect(MAX_EVENT_CHARS).toBeLessThan(20 * huge.length)
    expect(messages.map((m) => m.event)).toEqual(['a'])
  })

  it('resolves undefined on a clean end and rejects when the body breaks off', async () => {
    await expect(readEventStream(body(['event:a\ndata:1\n\n']), () => undefined)).resolves.toBeUndefined()
    await expect(readEventStream(body(['event:a\n'], 'fail'), () => undefined)).rejects.toThrow('terminated')
  })
})
