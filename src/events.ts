import { EventEmitter } from 'eventemitter3'
import type { AuthError } from './errors/auth-error.js'
import type { FirstFactor } from './errors/mfa.js'
import type { AuthSession } from './session/types.js'

/** Why a session ended. */
export type SignedOutReason =
  /** `logout()` was called. */
  | 'logout'
  /** The token expired and could not be refreshed. */
  | 'expired'
  /** The server rejected a token that had not expired yet (password or email changed, authRule changed). */
  | 'revoked'

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
 * reported through `onListenerError`, and listeners are never awaited.
 */
export class AuthEventEmitter {
  readonly #emitter = new EventEmitter()
  readonly #onListenerError: (error: unknown, event: AuthEventName) => void

  constructor(onListenerError: (error: unknown, event: AuthEventName) => void) {
    this.#onListenerError = onListenerError
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends AuthEventName>(event: K, listener: AuthEventListener<K>): () => void {
    const safe = (payload: AuthEvents[K]): void => {
      try {
        const result: unknown = listener(payload)
        if (result instanceof Promise) result.catch((error: unknown) => this.#onListenerError(error, event))
      } catch (error) {
        this.#onListenerError(error, event)
      }
    }
    this.#emitter.on(event, safe)
    return () => {
      this.#emitter.off(event, safe)
    }
  }

  /** Calls every listener of `event` synchronously. */
  emit<K extends AuthEventName>(event: K, payload: AuthEvents[K]): void {
    this.#emitter.emit(event, payload)
  }

  /** Number of listeners of `event`, or of all events. */
  listenerCount(event?: AuthEventName): number {
    if (event !== undefined) return this.#emitter.listenerCount(event)
    return this.#emitter.eventNames().reduce((sum, name) => sum + this.#emitter.listenerCount(name), 0)
  }

  /** Drops every listener. */
  removeAll(): void {
    this.#emitter.removeAllListeners()
  }
}
