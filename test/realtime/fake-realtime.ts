/**
 * A scriptable PocketBase realtime endpoint for unit tests, on top of the fake PocketBase: `GET /api/realtime`
 * answers a stream the test writes to (PB_CONNECT first, unless told otherwise), `POST /api/realtime` records
 * each submission, `POST /api/files/token` issues file tokens (401 for a token the test revoked). Every other
 * route is the fake PocketBase's.
 */
import {
  createFakePocketBase,
  REJECTED_TOKEN,
  type FakeCall,
  type FakePocketBase,
  type FakePocketBaseOptions,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { makeJwt } from '../helpers/factories.js'

/** One open `GET /api/realtime`. */
export interface FakeStream {
  readonly clientId: string
  /** Sends one event named `event` with `data` (JSON-encoded unless a string). */
  send(event: string, data: unknown): void
  /** Sends raw bytes of the stream, e.g. half an event. */
  sendRaw(text: string | Uint8Array): void
  /** Ends the stream cleanly, as PocketBase's idle timeout does. */
  close(): void
  /** Breaks the stream off, as a reset connection does. */
  fail(): void
  /** Whether the client aborted it. */
  readonly aborted: boolean
}

/** One `POST /api/realtime` the fake received. */
export interface Submission {
  readonly clientId: string
  readonly subscriptions: readonly string[]
  readonly authorization: string | null
}

/** What `GET /api/realtime` answers: a stream (with PB_CONNECT unless `connect: false`), or a JSON reply. */
export type ConnectReply = { stream: true; connect?: boolean } | FakeReply

/** The fake. */
export interface FakeRealtime {
  readonly fetch: typeof globalThis.fetch
  readonly pb: FakePocketBase
  readonly streams: FakeStream[]
  /** The headers of every `GET /api/realtime`. */
  readonly connects: Headers[]
  readonly submissions: Submission[]
  /** The stream opened most recently. */
  latest(): FakeStream
  /** The answer of the next `GET /api/realtime` calls. @default `{ stream: true }` */
  connectReply: (index: number) => ConnectReply
  /** The answer of `POST /api/realtime`. @default 204 */
  submitReply: (submission: Submission) => FakeReply | Promise<FakeReply>
  /** Auth tokens `POST /api/files/token` answers 401 for. */
  readonly revoked: Set<string>
  /** File tokens issued so far. */
  readonly fileTokens: string[]
  /** Lifetime of issued file tokens in seconds. @default 180 */
  fileTokenSeconds: number
}

/**
 * Creates the fake.
 *
 * @param options - the fake PocketBase's options (token lifetime, record, clock)
 */
export function createFakeRealtime(options: FakePocketBaseOptions = {}): FakeRealtime {
  const pb = createFakePocketBase(options)
  const now = options.now ?? Date.now
  const encoder = new TextEncoder()
  const fake: FakeRealtime = {
    fetch: undefined as unknown as typeof globalThis.fetch,
    pb,
    streams: [],
    connects: [],
    submissions: [],
    latest() {
      const stream = fake.streams.at(-1)
      if (stream === undefined) throw new Error('no realtime stream was opened')
      return stream
    },
    connectReply: () => ({ stream: true }),
    submitReply: () => ({ status: 204 }),
    revoked: new Set(),
    fileTokens: [],
    fileTokenSeconds: 180,
  }

  pb.on('POST /api/realtime', (call: FakeCall) => {
    const body = call.body as { clientId: string; subscriptions: string[] }
    const submission = { ...body, authorization: call.authorization }
    fake.submissions.push(submission)
    return fake.submitReply(submission)
  })
  pb.on('POST /api/files/token', (call: FakeCall) => {
    if (call.authorization === null || fake.revoked.has(call.authorization)) return REJECTED_TOKEN
    const token = makeJwt(
      { type: 'file', exp: Math.floor(now() / 1000) + fake.fileTokenSeconds, n: fake.fileTokens.length },
      now(),
    )
    fake.fileTokens.push(token)
    return { status: 200, body: { token } }
  })

  const openStream = (signal: AbortSignal | null | undefined, connect: boolean): Response => {
    const clientId = `client${fake.streams.length}`
    let controller!: ReadableStreamDefaultController<Uint8Array>
    let open = true
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) })
    const write = (chunk: string | Uint8Array): void => {
      if (open) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk)
    }
    const stream: FakeStream = {
      clientId,
      aborted: false,
      send: (event, data) =>
        write(
          `id:${clientId}\nevent:${event}\ndata:${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
        ),
      sendRaw: write,
      close: () => {
        if (open) controller.close()
        open = false
      },
      fail: () => {
        if (open) controller.error(new TypeError('terminated'))
        open = false
      },
    }
    // A real fetch errors the body when its request is aborted.
    signal?.addEventListener('abort', () => {
      ;(stream as { aborted: boolean }).aborted = true
      stream.fail()
    })
    fake.streams.push(stream)
    if (connect) stream.send('PB_CONNECT', { clientId })
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } })
  }

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = (init?.method ?? 'GET').toUpperCase()
    if (method !== 'GET' || url.pathname !== '/api/realtime') return pb.fetch(input, init)
    fake.connects.push(new Headers(init?.headers))
    if (init?.signal?.aborted === true) throw init.signal.reason
    const reply = fake.connectReply(fake.streams.length)
    if (reply instanceof Error) throw reply
    if ('stream' in reply) return openStream(init?.signal, reply.connect !== false)
    fake.streams.push({
      clientId: '',
      aborted: false,
      send: () => undefined,
      sendRaw: () => undefined,
      close: () => undefined,
      fail: () => undefined,
    })
    return new Response(JSON.stringify(reply.body ?? {}), {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' },
    })
  }
  ;(fake as { fetch: typeof globalThis.fetch }).fetch = fetch as typeof globalThis.fetch
  return fake
}

/** A record event as PocketBase sends it. */
export function recordEvent(action: string, record: Record<string, unknown>): unknown {
  return { action, record: { collectionId: 'pbc_posts', collectionName: 'posts', ...record } }
}
