import type { AuthErrorCode } from './codes.js'

/** Brand shared by every copy of this package, so `isAuthError` works across bundles and realms. */
const AUTH_ERROR_BRAND = Symbol.for('pocketbase-auth.AuthError')

/** What an HTTP exchange looked like when it failed; kept non-enumerable on the error. */
export interface FailedExchange {
  /** HTTP method, e.g. `POST`. */
  readonly method: string
  /** Path without query string, e.g. `/api/collections/users/auth-with-password`. */
  readonly path: string
  /** HTTP status, when a response arrived. */
  readonly status?: number
  /** The parsed response body, when there was one. Never logged or serialised by the SDK. */
  readonly body?: unknown
}

/** Options every `AuthError` constructor accepts. */
export interface AuthErrorOptions {
  /** The underlying failure. Kept as `error.cause`; never contains a secret. */
  cause?: unknown
  /** HTTP status of the response that caused the error, if any. */
  status?: number
  /** The failed exchange; stored non-enumerable so logging the error cannot dump a body. */
  exchange?: FailedExchange
}

/**
 * Base class of every error the SDK throws or emits.
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
  /** The failed exchange (non-enumerable): method, path, status and parsed body. */
  declare readonly exchange?: FailedExchange

  /**
   * @param message - what failed and why; never a secret
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, options: AuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    if (options.status !== undefined) this.status = options.status
    Object.defineProperty(this, 'exchange', { value: options.exchange, enumerable: false, writable: false })
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
