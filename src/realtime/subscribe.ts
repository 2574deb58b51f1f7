import { AbortedError } from '../errors/transport.js'
import type { RealtimeConnection } from './connection.js'
import type { RecordEvent, RecordHandler } from './subscriptions.js'
import { checkSubscribeInput, checkTopicLength, topicKey, type SubscribeOptions } from './topics.js'

/** Ends one subscription; resolves once the server was told (never rejects). Calling it again does nothing. */
export type Unsubscribe = () => Promise<void>

/** One `subscribe` call of a collection. */
export interface TopicSubscription<T> {
  /** The public call, for messages, e.g. `db.collection("posts").subscribe`. */
  readonly method: string
  readonly collection: string
  /** `*` or a record id (checked). */
  readonly topic: string
  /** The user's handler (checked). */
  readonly handler: (event: RecordEvent<T>) => void
  readonly options: SubscribeOptions | undefined
  /** Turns a received record into `T` (the collection's schema); `undefined` passes records through. */
  readonly check: ((record: unknown) => Promise<T>) | undefined
}

/**
 * Subscribes to a collection topic on the db-interface's connection; see `DbCollection.subscribe`.
 *
 * @param connection - the db-interface's realtime connection
 * @param subscription - what to subscribe to, and how events reach the handler
 * @returns the function that ends the subscription
 * @throws {AuthError} `config_invalid` (bad arguments), `validation_failed` (a topic PocketBase would refuse),
 * `aborted` (the signal), and what {@link RealtimeConnection.subscribe} throws.
 */
export async function subscribeToTopic<T>(
  connection: RealtimeConnection,
  subscription: TopicSubscription<T>,
): Promise<Unsubscribe> {
  const { method, collection, topic, handler, options } = subscription
  checkSubscribeInput(method, topic, handler, options)
  const key = topicKey(collection, topic, options)
  checkTopicLength(method, key)
  const signal = options?.signal
  const aborted = (): AbortedError => new AbortedError(`${method}: aborted by the caller`)
  if (signal?.aborted === true) throw aborted()

  const check = subscription.check
  const deliver: RecordHandler =
    check === undefined
      ? (event) => handler(event as RecordEvent<T>)
      : checkedDelivery(handler, check, () => connection.delivers(key, deliver))
  let ended = false
  const end = (why: AbortedError): Promise<void> => {
    if (ended) return Promise.resolve()
    ended = true
    signal?.removeEventListener('abort', onAbort)
    return connection.unsubscribe(key, deliver, why)
  }
  const onAbort = (): void => void end(aborted())
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await connection.subscribe(key, deliver, method, signal)
  } catch (error) {
    ended = true
    signal?.removeEventListener('abort', onAbort)
    throw error
  }
  return () => end(new AbortedError(`${method}: stopped before the server accepted the topic`))
}

/**
 * The handler the connection calls for a collection with a schema: each record is checked first and events are
 * delivered in order through a chain (a schema may be async); a record the schema refuses becomes an `error`
 * event (`unexpected_response`) and the handler is not called.
 */
function checkedDelivery<T>(
  handler: (event: RecordEvent<T>) => void,
  check: (record: unknown) => Promise<T>,
  isLive: () => boolean,
): RecordHandler {
  let chain: Promise<unknown> = Promise.resolve()
  return (event) => {
    const step = chain.then(async () => {
      const record = await check(event.record)
      // Unsubscribed or signed out meanwhile: nothing more reaches the handler.
      if (isLive()) handler({ action: event.action, record })
    })
    // The next event waits for this one, whatever its outcome; this one's failure is reported by the caller.
    chain = step.catch(() => undefined)
    return step
  }
}
