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
 * A typed event emitter whose listeners can never break the emitter: a throwing (or rejecting) listener is
 * reported through `onListenerError`, and listeners are never awaited. A map of sets, created on the first
 * subscription, so a client nobody listens to pays nothing.
 */
export class AuthEventEmitter {
  #listeners: Map<AuthEventName, Set<(payload: never) => void>> | undefined
  readonly #onError: Logger | ((error: unknown, event: AuthEventName) => void)

  /**
   * @param onError - where a listener's failure goes: a handler, or a `Logger` (then it is logged, without
   * the error itself, and re-emitted as an `error` event unless it came from an `error` listener).
   */
  constructor(onError: Logger | ((error: unknown, event: AuthEventName) => void)) {
    this.#onError = onError
  }

  #onListenerError(error: unknown, event: AuthEventName): void {
    const onError = this.#onError
    if (typeof onError === 'function') return onError(error, event)
    onError.error('an event listener threw', { event })
    if (event !== 'error') this.emit('error', error instanceof Error ? error : new Error(String(error)))
  }

  /**
   * Subscribes; returns the unsubscribe function (idempotent).
   *
   * @param event - the event's name
   * @param listener - called with the event's payload
   * @returns a function that unsubscribes this listener
   */
  on<K extends AuthEventName>(event: K, listener: AuthEventListener<K>): () => void {
    this.#listeners ??= new Map()
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    const safe = (payload: AuthEvents[K]): void => {
      try {
        const result: unknown = listener(payload)
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerError(error, event))
      } catch (error) {
        this.#onListenerError(error, event)
      }
    }
    set.add(safe)
    return () => {
      set.delete(safe)
    }
  }

  /**
   * Calls every listener of `event` synchronously, in subscription order.
   *
   * @param event - the event's name
   * @param payload - passed to every listener
   */
  emit<K extends AuthEventName>(event: K, payload: AuthEvents[K]): void {
    const set = this.#listeners?.get(event)
    if (set === undefined) return
    for (const listener of [...set]) (listener as (payload: AuthEvents[K]) => void)(payload)
  }

  /** Drops every listener. */
  removeAll(): void {
    this.#listeners = undefined
  }
}
