import { ValidationError } from '../errors/protocol.js'
import { InputCheck } from '../flows/input.js'

/** What PocketBase accepts in one subscription request; more is a `validation_failed` at `subscribe`. */
export const REALTIME_LIMITS = Object.freeze({
  /** Distinct topics on one connection (one `POST /api/realtime` carries them all). */
  maxTopics: 1_000,
  /** Characters of one topic, its options included (`posts/*?options=...`). */
  maxTopicLength: 2_500,
})

/** Options of `db.collection(name).subscribe()`. */
export interface SubscribeOptions {
  /** PocketBase filter: only records that also match it are sent, e.g. `status = "published"`. @default none */
  filter?: string
  /** Relations to expand in each event's record, e.g. `author`. @default none */
  expand?: string
  /** Fields of each event's record, e.g. `id,title`. @default every field */
  fields?: string
  /** Ends the subscription when it aborts; aborting before `subscribe` resolves rejects it with `aborted`. */
  signal?: AbortSignal
}

/**
 * The topic PocketBase routes events by: `COLLECTION/TOPIC`, plus `?options=` with the query options, in the
 * form the official SDK sends (so the server treats both the same). The event's SSE name is this string.
 *
 * @param collection - the collection's name or id
 * @param topic - `*` for every record, or a record id
 * @param options - `filter`, `expand` and `fields`; other fields are ignored
 * @returns the topic, e.g. `posts/*?options=%7B%22query%22%3A%7B%22filter%22%3A...`
 */
export function topicKey(collection: string, topic: string, options?: SubscribeOptions): string {
  const query: Record<string, string> = {}
  if (options?.filter !== undefined) query.filter = options.filter
  if (options?.expand !== undefined) query.expand = options.expand
  if (options?.fields !== undefined) query.fields = options.fields
  const base = `${collection}/${topic}`
  if (Object.keys(query).length === 0) return base
  return `${base}?options=${encodeURIComponent(JSON.stringify({ query }))}`
}

/**
 * The part of a topic a message may show: the collection and record part, never the options (a filter can hold
 * user data).
 *
 * @param key - a topic from {@link topicKey}
 * @returns the topic without its options, e.g. `posts/*`
 */
export function topicName(key: string): string {
  const end = key.indexOf('?')
  return end === -1 ? key : key.slice(0, end)
}

/**
 * Checks the arguments of `subscribe` before anything is sent.
 *
 * @param method - the public call, for messages, e.g. `db.collection("posts").subscribe`
 * @param topic - `*` or a record id
 * @param handler - the event handler
 * @param options - the subscribe options, if any
 * @throws {ConfigError} `config_invalid` naming each bad argument (`topic`, `handler`, `options.filter`,
 * `options.expand`, `options.fields`, `options.signal`).
 */
export function checkSubscribeInput(
  method: string,
  topic: unknown,
  handler: unknown,
  options: SubscribeOptions | undefined,
): void {
  const signal: unknown = options?.signal
  new InputCheck(method)
    .text('topic', topic)
    .require(typeof topic !== 'string' || !/[/?#]/.test(topic), 'topic', 'must be "*" or a record id')
    .require(typeof handler === 'function', 'handler', 'must be a function')
    .require(options === undefined || typeof options === 'object', 'options', 'must be an object')
    .optionalText('options.filter', options?.filter)
    .optionalText('options.expand', options?.expand)
    .optionalText('options.fields', options?.fields)
    .require(signal === undefined || isAbortSignal(signal), 'options.signal', 'must be an AbortSignal')
    .done()
}

/**
 * Refuses a topic PocketBase would refuse (longer than {@link REALTIME_LIMITS.maxTopicLength}).
 *
 * @param method - the public call, for the message
 * @param key - the topic with its options
 * @throws {ValidationError} `validation_failed` with `fieldErrors.topic` when it is too long.
 */
export function checkTopicLength(method: string, key: string): void {
  const max = REALTIME_LIMITS.maxTopicLength
  if (key.length <= max) return
  throw new ValidationError(`${method}: the topic with its options is ${key.length} characters`, {
    topic: {
      code: 'validation_length_too_long',
      message: `at most ${max} characters, options included`,
    },
  })
}

/**
 * The error for a topic beyond {@link REALTIME_LIMITS.maxTopics} on one connection.
 *
 * @param method - the public call, for the message
 * @returns a `validation_failed` error with `fieldErrors.subscriptions`
 */
export function tooManyTopics(method: string): ValidationError {
  const max = REALTIME_LIMITS.maxTopics
  return new ValidationError(`${method}: this db-interface already has ${max} topics`, {
    subscriptions: {
      code: 'validation_length_too_long',
      message: `at most ${max} topics per connection`,
    },
  })
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { aborted?: unknown }).aborted === 'boolean' &&
    typeof (value as { addEventListener?: unknown }).addEventListener === 'function'
  )
}
