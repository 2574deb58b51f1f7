import type { AuthError } from '../errors/auth-error.js'
import { asError, SafeEmitter } from '../events.js'

/** Where a db-interface's realtime connection is. */
export type RealtimeState =
  /** No subscriptions, no connection. */
  | 'idle'
  /** Opening the stream and submitting the subscriptions. */
  | 'connecting'
  /** Connected; every subscription is on the server. */
  | 'open'
  /** The connection dropped; the next attempt is scheduled (see `disconnected`). */
  | 'retrying'
  /** Ended by the session's end, `close()` or the client's `dispose()`; nothing runs until asked again. */
  | 'closed'

/** Payload of `connected`. */
export interface ConnectedEvent {
  /**
   * `true` when this connection carries subscriptions that were live on an earlier one (after a drop, a server
   * restart or timeout, or the same user signing in again). Changes made during the gap are not replayed:
   * refetch what you show.
   */
  readonly resumed: boolean
}

/** Payload of `disconnected`. */
export interface DisconnectedEvent {
  /** Whether the connection will be tried again by itself. */
  readonly willRetry: boolean
  /** When it will, in how many milliseconds. */
  readonly retryInMs: number | undefined
  /** Why it dropped, when it was not asked to (e.g. `network` when the server closed the stream). */
  readonly error: AuthError | undefined
}

/** Every event of `db.realtime`, with its payload. */
export interface RealtimeEvents {
  /** The connection is open and every subscription is on the server. */
  connected: ConnectedEvent
  /** The connection dropped or was closed. */
  disconnected: DisconnectedEvent
  /**
   * A failure nobody awaits: the session ended (`not_authenticated`, `token_expired`), an event the SDK cannot
   * read (`unexpected_response`), or an error thrown by a subscription's handler (as it was thrown).
   */
  error: Error
}

/** Name of a `db.realtime` event. */
export type RealtimeEventName = keyof RealtimeEvents

/** A listener for realtime event `K`. */
export type RealtimeListener<K extends RealtimeEventName> = (payload: RealtimeEvents[K]) => void

/**
 * The typed emitter of `db.realtime`: listeners are called synchronously and never awaited; one that throws or
 * rejects, and a subscription's handler that does, becomes an `error` event (an `error` listener's own failure is
 * only logged), so no listener can break the connection.
 */
export class RealtimeEmitter extends SafeEmitter<RealtimeEvents> {
  protected override listenerFailed(error: unknown, event: RealtimeEventName | undefined): void {
    if (event === 'error') return this.logger.error('a realtime error listener threw', { event })
    this.emit('error', asError(error))
  }
}
