import type { AuthError } from '../errors/auth-error.js'
import { isObject } from '../narrow.js'

/** What happened to a record. */
export type RecordAction = 'create' | 'update' | 'delete'

/** One realtime event: the record as the connection's user may see it, after the change. */
export interface RecordEvent<T> {
  readonly action: RecordAction
  readonly record: T
}

/** A subscription's handler as the connection stores it; it may return a promise (its rejection is reported). */
export type RecordHandler = (event: RecordEvent<unknown>) => unknown

/** Someone waiting for the next submission: a `subscribe` (which fails with it) or an unsubscribe (which never does). */
interface Waiter {
  /** The subscription a failure removes; absent for an unsubscribe's wait. */
  readonly key?: string
  readonly handler?: RecordHandler
  settle(error: AuthError | undefined): void
}

const ACTIONS: ReadonlySet<string> = new Set<RecordAction>(['create', 'update', 'delete'])

/**
 * Reads one event's data: `{ action, record }` with a known action and an object record.
 *
 * @param data - the event's `data`, JSON from the server
 * @returns the event, or `undefined` when the data is not a record event
 */
export function parseRecordEvent(data: string): RecordEvent<unknown> | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(data)
  } catch {
    // The SyntaxError would quote the data; the caller reports the topic only.
    return undefined
  }
  if (!isObject(parsed) || typeof parsed.action !== 'string' || !ACTIONS.has(parsed.action)) return undefined
  if (!isObject(parsed.record)) return undefined
  return { action: parsed.action as RecordAction, record: parsed.record }
}

/**
 * The subscriptions of one connection (topic -> handlers, in subscription order) and the callers waiting for a
 * submission of them. A submission takes the queued waiters (`take`) and settles exactly those; a failed
 * `subscribe` removes its own handler, so what stays is what the server has accepted before.
 */
export class SubscriptionRegistry {
  readonly #handlers = new Map<string, Set<RecordHandler>>()
  #queued: Waiter[] = []
  #inFlight: Waiter[] = []

  /**
   * How many distinct topics there are.
   *
   * @returns the number of topics
   */
  get size(): number {
    return this.#handlers.size
  }

  /**
   * Whether a `subscribe` waits for the next submission.
   *
   * @returns `true` when one does
   */
  get hasQueued(): boolean {
    return this.#queued.some((waiter) => waiter.handler !== undefined)
  }

  /**
   * Every topic, for a submission.
   *
   * @returns the topics, in subscription order
   */
  keys(): string[] {
    return [...this.#handlers.keys()]
  }

  /**
   * Whether a topic has handlers.
   *
   * @param key - a topic
   * @returns `true` when it has
   */
  has(key: string): boolean {
    return this.#handlers.has(key)
  }

  /**
   * Whether a `subscribe` of a topic still waits for the server.
   *
   * @param key - a topic
   * @returns `true` when one does
   */
  isWaiting(key: string): boolean {
    const matches = (waiter: Waiter): boolean => waiter.key === key
    return this.#queued.some(matches) || this.#inFlight.some(matches)
  }

  /**
   * The handlers of a topic.
   *
   * @param key - the event's name (its topic)
   * @returns the topic's handlers, or `undefined`
   */
  handlersOf(key: string): ReadonlySet<RecordHandler> | undefined {
    return this.#handlers.get(key)
  }

  /**
   * Adds a handler.
   *
   * @param key - the topic
   * @param handler - a handler not yet added
   * @returns `true` when the topic is new (the server must be told)
   */
  add(key: string, handler: RecordHandler): boolean {
    const set = this.#handlers.get(key)
    if (set !== undefined) {
      set.add(handler)
      return false
    }
    this.#handlers.set(key, new Set([handler]))
    return true
  }

  /**
   * Removes a handler; a topic left without handlers is removed too.
   *
   * @param key - the topic
   * @param handler - the handler
   */
  remove(key: string, handler: RecordHandler): void {
    const set = this.#handlers.get(key)
    if (set?.delete(handler) === true && set.size === 0) this.#handlers.delete(key)
  }

  /** Forgets every subscription (their handlers are never called again). */
  clear(): void {
    this.#handlers.clear()
  }

  /**
   * Waits for the next submission to settle a `subscribe`.
   *
   * @param key - its topic
   * @param handler - its handler, removed if the submission fails
   * @returns resolves when the server accepted the topic; rejects with the failure
   */
  wait(key: string, handler: RecordHandler): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queued.push({
        key,
        handler,
        settle: (error) => (error === undefined ? resolve() : reject(error)),
      })
    })
  }

  /**
   * Waits for the next submission, whatever its outcome (an unsubscribe's wait).
   *
   * @returns resolves once the next submission has settled
   */
  flush(): Promise<void> {
    return new Promise((resolve) => this.#queued.push({ settle: () => resolve() }))
  }

  /** Hands the queued waiters to the submission starting now. */
  take(): void {
    this.#inFlight.push(...this.#queued)
    this.#queued = []
  }

  /** Resolves the waiters of the submission that just succeeded. */
  settleInFlight(): void {
    const done = this.#inFlight
    this.#inFlight = []
    for (const waiter of done) waiter.settle(undefined)
  }

  /**
   * Fails every waiter (queued or in flight) with `error` and removes their handlers.
   *
   * @param error - why
   */
  rejectAll(error: AuthError): void {
    const failed = [...this.#inFlight, ...this.#queued]
    this.#inFlight = []
    this.#queued = []
    for (const waiter of failed) this.#fail(waiter, error)
  }

  /**
   * Fails the waiting `subscribe` of `handler`, if it still waits (its caller gave up).
   *
   * @param handler - the subscription's handler
   * @param error - why
   */
  abandon(handler: RecordHandler, error: AuthError): void {
    const matches = (waiter: Waiter): boolean => waiter.handler === handler
    const found = this.#queued.find(matches) ?? this.#inFlight.find(matches)
    if (found === undefined) return
    this.#queued = this.#queued.filter((waiter) => !matches(waiter))
    this.#inFlight = this.#inFlight.filter((waiter) => !matches(waiter))
    this.#fail(found, error)
  }

  #fail(waiter: Waiter, error: AuthError): void {
    if (waiter.key !== undefined && waiter.handler !== undefined) this.remove(waiter.key, waiter.handler)
    waiter.settle(error)
  }
}
