import type { AuthError } from './errors/auth-error.js'
import type { Logger } from './logger.js'
import type { FirstFactor } from './errors/mfa.js'
import type { AuthSession, SignedOutReason } from './session/types.js'

export type { SignedOutReason } from './session/types.js'

/** Payload of `signedOut`. */
export interface SignedOutEvent {
  readonly reason: SignedOutReason
}

/** Payload of `mfaRequired`. */
export interface MfaRequiredEvent {
  readonly mfaId: string
  readonly expiresAt: number | undefined
  readonly firstFactor: FirstFactor
}

/** Payload of `refreshFailed`. */
export interface RefreshFailedEvent {
  readonly error: AuthError
  /** Whether the client will try again by itself. */
  readonly willRetry: boolean
  /** When it will, in how many milliseconds. */
  readonly retryInMs: number | undefined
}

/** Payload of `expiring`: a token that cannot be refreshed is about to expire. */
export interface ExpiringEvent {
  readonly session: AuthSession
  readonly msLeft: number
}

/** Every event an `AuthClient` emits, with its payload. */
export interface AuthEvents {
  /** A sign-in (any flow) succeeded. */
  signedIn: AuthSession
  /** The token was refreshed (or an impersonation renewed). */
  tokenRefreshed: AuthSession
  /** The session ended. */
  signedOut: SignedOutEvent
  /** A first factor succeeded on an MFA collection. */
  mfaRequired: MfaRequiredEvent
  /** A background refresh failed. */
  refreshFailed: RefreshFailedEvent
  /** A non-refreshable token is close to its expiry. */
  expiring: ExpiringEvent
  /** A failure nobody awaited: a background refresh gave up, or a listener threw. */
  error: Error
}

/** Name of an `AuthClient` event. */
export type AuthEventName = keyof AuthEvents

/** A listener for event `K`. */
export type AuthEventListener<K extends AuthEventName> = (payload: AuthEvents[K]) => void

/**
 * A typed event emitter whose listeners can never break it: listeners (and the handlers given to `call`) are
 * called synchronously, in subscription order, and never awaited; one that throws or rejects goes to
 * `listenerFailed` instead. A map of sets, created on the first subscription, so an emitter nobody listens to
 * pays nothing. The client's events and `db.realtime`'s differ only in what a failing listener does.
 */
export abstract class SafeEmitter<Events extends { error: Error }> {
  #listeners: Map<keyof Events, Set<(payload: never) => unknown>> | undefined
  /** Where a failing listener is reported (without the error itself). */
  protected readonly logger: Logger

  /** @param logger - where a failing listener is reported, see `listenerFailed` */
  constructor(logger: Logger) {
    this.logger = logger
  }

  /**
   * Subscribes; returns the unsubscribe function (idempotent).
   *
   * @param event - the event's name
   * @param listener - called with the event's payload
   * @returns a function that unsubscribes this listener
   */
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#listeners ??= new Map()
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    // A wrapper of its own: the same function subscribed twice is two subscriptions.
    const own = (payload: Events[K]): unknown => listener(payload)
    set.add(own)
    return () => {
      set.delete(own)
    }
  }

  /**
   * Calls every listener of `event` synchronously, in subscription order.
   *
   * @param event - the event's name
   * @param payload - passed to every listener
   */
  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners?.get(event)
    if (set === undefined) return
    for (const listener of [...set]) this.call(listener as (payload: Events[K]) => unknown, payload, event)
  }

  /**
   * Calls a listener or a handler so that its failure, thrown or as a rejected promise, goes to
   * `listenerFailed` instead of escaping.
   *
   * @param fn - the listener or handler
   * @param payload - its argument
   * @param event - the event it listens to, or `undefined` for a handler that is not a listener
   */
  call<P>(fn: (payload: P) => unknown, payload: P, event?: keyof Events): void {
    try {
      const result = fn(payload)
      if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(error, event))
    } catch (error) {
      this.listenerFailed(error, event)
    }
  }

  /** Drops every listener. */
  removeAll(): void {
    this.#listeners = undefined
  }

  /**
   * What happens when a listener or handler threw or rejected.
   *
   * @param error - what it threw
   * @param event - the event it listened to; `undefined` for a handler given to `call` without one
   */
  protected abstract listenerFailed(error: unknown, event: keyof Events | undefined): void
}

/**
 * A thrown value as an `Error`, for an `error` event.
 *
 * @param value - anything thrown
 * @returns `value` when it is an `Error`, else an `Error` with its text as the message
 */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/**
 * The client's typed event emitter: a failing listener is logged (without the error itself) and re-emitted as
 * an `error` event, unless it was an `error` listener.
 */
export class AuthEventEmitter extends SafeEmitter<AuthEvents> {
  protected override listenerFailed(error: unknown, event: AuthEventName | undefined): void {
    this.logger.error('an event listener threw', { event })
    if (event !== 'error') this.emit('error', asError(error))
  }
}
