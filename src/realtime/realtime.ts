import type { RealtimeConnection } from './connection.js'
import type { RealtimeEventName, RealtimeListener, RealtimeState } from './realtime-events.js'

/**
 * The realtime connection of a db-interface (`db.realtime`): one connection carries every subscription made
 * through `db.collection(name).subscribe()`. Read its `state`, listen to `connected`, `disconnected` and `error`,
 * or `close()` it.
 */
export class Realtime {
  readonly #connection: RealtimeConnection

  /** @internal Use `db.realtime`. */
  constructor(connection: RealtimeConnection) {
    this.#connection = connection
  }

  /**
   * Where the connection is.
   *
   * @returns `idle` (no subscriptions), `connecting`, `open`, `retrying` (after a drop, see `disconnected`) or
   * `closed` (the session ended, `close()`, or the client's `dispose()`)
   */
  get state(): RealtimeState {
    return this.#connection.state
  }

  /**
   * Listens to an event; returns the function that stops listening. Listeners are called synchronously and
   * never awaited; one that throws becomes an `error` event and never breaks the connection.
   *
   * @param event - `connected` (`{ resumed }`), `disconnected` (`{ willRetry, retryInMs, error }`) or `error`
   * @param listener - called with the event's payload
   * @returns a function that removes this listener (idempotent)
   * @example
   * ```ts
   * db.realtime.on('connected', ({ resumed }) => { if (resumed) void refetchEverything() })
   * db.realtime.on('disconnected', ({ willRetry, retryInMs }) => console.log(willRetry, retryInMs))
   * db.realtime.on('error', (error) => console.error(error))
   * ```
   */
  on<K extends RealtimeEventName>(event: K, listener: RealtimeListener<K>): () => void {
    return this.#connection.events.on(event, listener)
  }

  /**
   * Ends every subscription of this db-interface and closes the connection (state `closed`). Their handlers are
   * never called again; a later `subscribe` opens a new connection. Idempotent.
   *
   * @example
   * ```ts
   * db.realtime.close()
   * ```
   */
  close(): void {
    this.#connection.close()
  }
}
