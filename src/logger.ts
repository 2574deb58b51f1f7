/** Structured context attached to a log line. The SDK never puts a password, token or code in it. */
export type LogContext = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * Where the SDK reports what it does. `console` fits; so do pino and winston loggers.
 *
 * @example
 * ```ts
 * createAuthClient({ url, logger: console })
 * ```
 */
export interface Logger {
  /** Fine-grained steps (timer armed, request sent). */
  debug(message: string, context?: LogContext): void
  /** Session changes: signed in, refreshed, signed out. */
  info(message: string, context?: LogContext): void
  /** Recoverable trouble: a refresh that will be retried. */
  warn(message: string, context?: LogContext): void
  /** Failures nobody awaited: background refresh gave up, a listener threw. */
  error(message: string, context?: LogContext): void
}

const noop = (): void => undefined

/** The default logger: says nothing. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop })
