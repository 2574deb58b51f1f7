import type { LogContext, Logger } from '../index.js'

/** Log levels, quietest first. */
export const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug'] as const

/** One of `LOG_LEVELS`. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * A `Logger` that writes one line per entry to stderr (via `console`), for `level` and quieter.
 *
 * @param level - the most verbose level written; `silent` writes nothing
 * @param sink - receives each line through its `error` method (default `console`)
 * @returns a logger writing `[pocketbase-auth] <level>: <message>`, then the context as JSON when given
 * @example
 * ```ts
 * createAuthClient({ url, logger: createConsoleLogger('info') })
 * ```
 */
export function createConsoleLogger(level: LogLevel, sink: Pick<Console, 'error'> = console): Logger {
  const rank = LOG_LEVELS.indexOf(level)
  const write =
    (name: Exclude<LogLevel, 'silent'>) =>
    (message: string, context?: LogContext): void => {
      if (LOG_LEVELS.indexOf(name) > rank) return
      const suffix = context === undefined ? '' : ` ${JSON.stringify(context)}`
      sink.error(`[pocketbase-auth] ${name}: ${message}${suffix}`)
    }
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') }
}
