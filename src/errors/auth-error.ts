import type { AuthErrorCode } from './codes.js'
import { stripControlCharacters } from './server-text.js'

/** Brand shared by every copy of this package, so `isAuthError` works across bundles and realms. */
const AUTH_ERROR_BRAND = Symbol.for('pocketbase-auth.AuthError')

/** What an HTTP exchange looked like when it failed; kept in a private field of the error, behind a getter. */
export interface FailedExchange {
  /** HTTP method, e.g. `POST`. */
  readonly method: string
  /** Path without query string, e.g. `/api/collections/users/auth-with-password`. */
  readonly path: string
  /**
   * The request's URL as messages show it: origin and path, never query string or credentials, e.g.
   * `https://pb.example.com/api/collections/users/auth-with-password`. Absent when unknown.
   */
  readonly url?: string
  /** HTTP status, when a response arrived. */
  readonly status?: number
  /**
   * The parsed body of an error (non-2xx) response, when there was one. Never logged or serialised by the SDK;
   * the body of a successful response is never kept in an error.
   */
  readonly body?: unknown
}

/** Options every `AuthError` constructor accepts. */
export interface AuthErrorOptions {
  /** The underlying failure. Kept as `error.cause`; never contains a secret. */
  cause?: unknown
  /** HTTP status of the response that caused the error, if any. @default `exchange.status` */
  status?: number
  /**
   * The failed exchange; stored in a private field, so neither logging, `JSON.stringify` nor
   * `util.inspect(error, { showHidden: true })` can dump a body.
   */
  exchange?: FailedExchange | undefined
}

/**
 * Base class of every error the SDK throws or emits. Its `message` never contains control characters (they are
 * removed, whatever text a server or provider sent), and its `exchange` is reachable only through its getter.
 *
 * @example
 * ```ts
 * try { await auth.authWithPassword(email, password) }
 * catch (error) { if (isAuthError(error)) console.error(error.code, error.message) }
 * ```
 */
export abstract class AuthError extends Error {
  /** Stable, machine-readable error code. */
  abstract readonly code: AuthErrorCode
  /** HTTP status of the response behind this error, when there was a response. */
  readonly status?: number
  readonly #exchange: FailedExchange | undefined

  /**
   * @param message - what failed and why; never a secret. Control characters are removed.
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, options: AuthErrorOptions = {}) {
    super(stripControlCharacters(message), options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    const status = options.status ?? options.exchange?.status
    if (status !== undefined) this.status = status
    this.#exchange = options.exchange
  }

  /**
   * The failed exchange: method, path, URL, status and, for an error response, its parsed body. A getter over a
   * private field: no own property, so no way of printing the error shows it.
   *
   * @returns the exchange, or `undefined` when the error did not come from an HTTP exchange
   */
  get exchange(): FailedExchange | undefined {
    return this.#exchange
  }

  /**
   * A JSON-safe summary without any secret, body or token.
   *
   * @returns `name`, `code`, `message`, `status` when set, and the subclass's extra fields; never `exchange`
   * or `cause`
   */
  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, code: this.code, message: this.message }
    if (this.status !== undefined) json.status = this.status
    return { ...json, ...this.details() }
  }

  /** Extra, secret-free fields a subclass adds to `toJSON()`. */
  protected details(): Record<string, unknown> {
    return {}
  }
}

Object.defineProperty(AuthError.prototype, AUTH_ERROR_BRAND, { value: true })

/**
 * Tells whether `value` is an error raised by this SDK, even one from another copy of the package.
 *
 * @param value - anything, typically a caught error
 * @returns `true` when `value` carries the package's `AuthError` brand and a string `code`
 * @example
 * ```ts
 * if (isAuthError(error) && error.code === 'rate_limited') await sleep(error.retryAfterMs ?? 1000)
 * ```
 */
export function isAuthError(value: unknown): value is AuthError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[AUTH_ERROR_BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  )
}
