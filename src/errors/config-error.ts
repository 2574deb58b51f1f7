import { AuthError } from './auth-error.js'

/** One invalid option or environment variable. */
export interface ConfigIssue {
  /** The option or variable name, e.g. `timeoutMs` or `POCKETBASE_URL`. */
  readonly path: string
  /** What is wrong with it. Never contains the value itself. */
  readonly message: string
}

/**
 * A client option, call argument or environment variable is invalid. Thrown before any request is made.
 *
 * @example
 * ```ts
 * try { createAuthClient({ url: 'not a url' }) }
 * catch (error) { if (error instanceof ConfigError) console.error(error.issues) }
 * ```
 */
export class ConfigError extends AuthError {
  /** Always `'config_invalid'`. */
  readonly code = 'config_invalid' as const
  /** Every invalid option, by name. */
  readonly issues: readonly ConfigIssue[]

  /**
   * @param issues - every invalid option, argument or variable
   * @param context - the message's prefix (default `'Invalid configuration'`)
   */
  constructor(issues: readonly ConfigIssue[], context = 'Invalid configuration') {
    super(`${context}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`)
    this.issues = issues
  }

  protected override details(): Record<string, unknown> {
    return { issues: this.issues }
  }
}
