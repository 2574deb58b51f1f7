/**
 * The few things the share asks of a Redis client, over the two clients it accepts: `ioredis` 5 and `redis`
 * (node-redis) 5, told apart by their shape. Neither package is imported: the share takes the client the app
 * made. Every command waits for the client to be ready (never into a client's offline queue, where it could run
 * much later) and is bounded by `timeoutMs`; a failure is a `network` `AuthError` naming the Redis host and port,
 * never its password or the command's arguments.
 * @module
 */
import { NetworkError } from '../index.js'
import { isObject } from '../kit.js'

/** A Redis client the share accepts: an `ioredis` 5 or `redis` 5 client object. */
export type RedisClientLike = object

/** A dedicated connection for pub/sub (`SUBSCRIBE` takes a connection over). */
export interface Subscriber {
  /** Subscribes to `channel`; resolves once Redis confirmed it. */
  subscribe(channel: string): Promise<void>
  /** Unsubscribes from `channel` (best effort). */
  unsubscribe(channel: string): Promise<void>
  /** Closes the connection at once. */
  close(): void
}

/** One Redis client, as the share uses it. */
export interface RedisConnection {
  /** `host:port` (or the socket path) for messages; never credentials. */
  readonly address: string
  /**
   * Sends one command once the client is ready.
   *
   * @param args - the command and its arguments, e.g. `['GET', key]`
   * @param late - called with the reply when it arrives after the call was given up (time limit)
   * @returns the reply
   * @throws {NetworkError} `network` when the client is not ready within the time limit, the reply does not
   * come within it, or the command fails.
   */
  send(args: readonly string[], late?: (reply: unknown) => void): Promise<unknown>
  /**
   * A new connection duplicated from the client, for pub/sub.
   *
   * @param onMessage - called with the channel of every message
   * @returns the subscriber (connecting in the background)
   */
  createSubscriber(onMessage: (channel: string) => void): Subscriber
}

/** What an event-emitting client has (both clients are Node `EventEmitter`s). */
interface Emitter {
  on(event: string, listener: (...args: never[]) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
}

interface IoRedisLike extends Emitter {
  readonly status: string
  readonly options?: { host?: unknown; port?: unknown; path?: unknown }
  call(command: string, ...args: string[]): Promise<unknown>
  duplicate(): IoRedisLike
  connect(): Promise<unknown>
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  disconnect(): void
}

interface NodeRedisLike extends Emitter {
  readonly isReady: boolean
  readonly options?: { url?: unknown; socket?: { host?: unknown; port?: unknown; path?: unknown } }
  sendCommand(args: readonly string[]): Promise<unknown>
  duplicate(): NodeRedisLike
  connect(): Promise<unknown>
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  destroy(): void
}

const fn = (value: Record<string, unknown>, name: string): boolean => typeof value[name] === 'function'

/**
 * Which client `value` is, by its shape.
 *
 * @param value - what the app passed
 * @returns `ioredis`, `node-redis`, or `undefined` for anything else
 */
export function redisClientKind(value: unknown): 'ioredis' | 'node-redis' | undefined {
  if (!isObject(value) || !fn(value, 'duplicate') || !fn(value, 'on')) return undefined
  if (fn(value, 'call') && typeof value.status === 'string' && fn(value, 'subscribe')) return 'ioredis'
  if (fn(value, 'sendCommand') && typeof value.isReady === 'boolean' && fn(value, 'subscribe')) {
    return 'node-redis'
  }
  return undefined
}

/**
 * The share's view of the app's client.
 *
 * @param client - an `ioredis` 5 or `redis` 5 client, already checked with {@link redisClientKind}
 * @param timeoutMs - the bound of every command, readiness wait included
 * @returns the connection
 */
export function redisConnection(client: RedisClientLike, timeoutMs: number): RedisConnection {
  return redisClientKind(client) === 'ioredis'
    ? ioRedisConnection(client as IoRedisLike, timeoutMs)
    : nodeRedisConnection(client as NodeRedisLike, timeoutMs)
}

function ioRedisConnection(client: IoRedisLike, timeoutMs: number): RedisConnection {
  const { host, port, path } = client.options ?? {}
  const address = typeof path === 'string' && path !== '' ? path : hostPort(host, port)
  // `wait`: a lazyConnect client that has not connected yet; its first command connects it.
  const isReady = (): boolean => client.status === 'ready' || client.status === 'wait'
  const whenReady = readiness(client, isReady)
  const bound = bounded(address, timeoutMs, isReady)
  return {
    address,
    send: (args, late) =>
      bound(
        args[0] ?? '',
        async () => {
          await whenReady(timeoutMs)
          const [command = '', ...rest] = args
          return client.call(command, ...rest)
        },
        late,
      ),
    createSubscriber(onMessage) {
      const subscriber = client.duplicate()
      // Failures show in the share's own commands; a connection error here must not crash the app.
      subscriber.on('error', () => undefined)
      subscriber.on('message', (channel: string) => onMessage(channel))
      // A client with `enableOfflineQueue: false` refuses a command sent before it is ready: wait for it first.
      const subscriberReady = readiness(subscriber, () => subscriber.status === 'ready')
      return {
        subscribe: (channel) =>
          bound('SUBSCRIBE', async () => {
            // `wait`: duplicated from a lazyConnect client, it connects only when asked.
            if (subscriber.status === 'wait') void subscriber.connect().catch(() => undefined)
            await subscriberReady(timeoutMs)
            await subscriber.subscribe(channel)
          }),
        unsubscribe: (channel) =>
          bound('UNSUBSCRIBE', () => subscriber.unsubscribe(channel)).then(() => undefined),
        close: () => subscriber.disconnect(),
      }
    },
  }
}

function nodeRedisConnection(client: NodeRedisLike, timeoutMs: number): RedisConnection {
  const options = client.options ?? {}
  const socket = options.socket ?? {}
  const address =
    typeof socket.path === 'string' && socket.path !== ''
      ? socket.path
      : socket.host !== undefined || socket.port !== undefined
        ? hostPort(socket.host, socket.port)
        : urlHostPort(options.url)
  const isReady = (): boolean => client.isReady
  const whenReady = readiness(client, isReady)
  const bound = bounded(address, timeoutMs, isReady)
  return {
    address,
    send: (args, late) =>
      bound(
        args[0] ?? '',
        async () => {
          await whenReady(timeoutMs)
          return client.sendCommand(args)
        },
        late,
      ),
    createSubscriber(onMessage) {
      const subscriber = client.duplicate()
      subscriber.on('error', () => undefined)
      let connecting: Promise<unknown> | undefined
      const connected = (): Promise<unknown> => (connecting ??= subscriber.connect())
      const listener = (_message: string, channel: string): void => onMessage(channel)
      return {
        subscribe: (channel) =>
          bound('SUBSCRIBE', async () => {
            await connected()
            await subscriber.subscribe(channel, listener)
          }),
        unsubscribe: (channel) =>
          bound('UNSUBSCRIBE', async () => {
            if (subscriber.isReady) await subscriber.unsubscribe(channel)
          }),
        close: () => subscriber.destroy(),
      }
    },
  }
}

function hostPort(host: unknown, port: unknown): string {
  const name = typeof host === 'string' && host !== '' ? host : 'localhost'
  const number = typeof port === 'number' || typeof port === 'string' ? String(port) : '6379'
  return `${name.includes(':') ? `[${name}]` : name}:${number}`
}

/** `host:port` of a `redis://user:password@host:port/db` URL: never the credentials. */
function urlHostPort(url: unknown): string {
  if (typeof url !== 'string') return 'localhost:6379'
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || 'localhost'}:${parsed.port || '6379'}`
  } catch {
    return 'localhost:6379'
  }
}

/** One readiness wait per client, shared by every share made on it. */
const readinessOf = new WeakMap<Emitter, (timeoutMs: number) => Promise<void>>()

/**
 * Waits for a client's `ready` event: one listener per client however many commands wait (a process with many
 * clients on one share during an outage must not pile up listeners), removed once nobody waits.
 *
 * @param client - the app's client
 * @param isReady - whether it is ready now
 * @returns a wait that resolves at once when ready, else at the `ready` event, or rejects after `timeoutMs`
 */
function readiness(client: Emitter, isReady: () => boolean): (timeoutMs: number) => Promise<void> {
  const known = readinessOf.get(client)
  if (known !== undefined) return known
  const waiters = new Set<() => void>()
  const onReady = (): void => {
    client.removeListener('ready', onReady)
    for (const wake of [...waiters]) wake()
  }
  const wait = (timeoutMs: number): Promise<void> => {
    if (isReady()) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const wake = (): void => {
        clearTimeout(timer)
        waiters.delete(wake)
        resolve()
      }
      const timer = setTimeout(() => {
        waiters.delete(wake)
        if (waiters.size === 0) client.removeListener('ready', onReady)
        reject(new NotReady())
      }, timeoutMs)
      if (waiters.size === 0) client.on('ready', onReady)
      waiters.add(wake)
    })
  }
  readinessOf.set(client, wait)
  return wait
}

/** The client did not become ready in time (it is disconnected and reconnecting). */
class NotReady extends Error {
  override readonly name = 'NotReady'
}

/**
 * Bounds Redis operations by `timeoutMs` and turns every failure into a `network` error naming the server.
 * The client's own error is not kept as `cause`: a client error may carry the command's arguments (an `AUTH`
 * password); only its code (`ECONNREFUSED`, `NOAUTH`, ...) goes into the message.
 */
function bounded(address: string, timeoutMs: number, isReady: () => boolean) {
  return async <T>(command: string, operation: () => Promise<T>, late?: (reply: T) => void): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let givenUp = false
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        givenUp = true
        const why = isReady()
          ? `did not answer within ${timeoutMs} ms`
          : `not sent: no connection within ${timeoutMs} ms`
        reject(new NetworkError(`Redis ${address} unreachable: ${command} ${why}`))
      }, timeoutMs)
    })
    const running = operation()
    if (late !== undefined) {
      running.then(
        (reply) => (givenUp ? late(reply) : undefined),
        () => undefined,
      )
    }
    try {
      return await Promise.race([running, timeout])
    } catch (error) {
      if (error instanceof NetworkError) throw error
      const why = error instanceof NotReady ? 'not sent: no connection' : `failed (${errorCode(error)})`
      throw new NetworkError(`Redis ${address} unreachable: ${command} ${why}`)
    } finally {
      clearTimeout(timer)
    }
  }
}

/** A client error's code (`ECONNREFUSED`, `NOAUTH`, `WRONGPASS`, ...), never its text. */
function errorCode(error: unknown): string {
  if (isObject(error) && typeof error.code === 'string' && /^[A-Z_]{2,32}$/.test(error.code))
    return error.code
  const message = error instanceof Error ? error.message : ''
  const code = /^([A-Z][A-Z_]{1,31})\b/.exec(message)?.[1]
  if (code !== undefined) return code
  return error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'error'
}
