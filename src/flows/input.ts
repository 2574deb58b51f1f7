import { ConfigError, type ConfigIssue } from '../errors/config-error.js'

/** Collects argument problems so one `ConfigError` can name every bad field, before any request. */
export class InputCheck {
  readonly #issues: ConfigIssue[] = []

  readonly #operation: string

  constructor(operation: string) {
    this.#operation = operation
  }

  /** Requires a non-empty string. */
  text(field: string, value: unknown): this {
    if (typeof value !== 'string') this.#issues.push({ path: field, message: 'must be a string' })
    else if (value.trim() === '') this.#issues.push({ path: field, message: 'must not be empty' })
    return this
  }

  /** Requires something shaped like an email address. */
  email(field: string, value: unknown): this {
    this.text(field, value)
    if (typeof value === 'string' && value.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(value)) {
      this.#issues.push({ path: field, message: 'must be an email address' })
    }
    return this
  }

  /** Requires an optional string to be non-empty when present. */
  optionalText(field: string, value: unknown): this {
    return value === undefined ? this : this.text(field, value)
  }

  /** Adds an issue when `condition` is false. */
  require(condition: boolean, field: string, message: string): this {
    if (!condition) this.#issues.push({ path: field, message })
    return this
  }

  /** Throws the collected issues, if any. @throws {ConfigError} `config_invalid` */
  done(): void {
    if (this.#issues.length > 0)
      throw new ConfigError(this.#issues, `Invalid arguments to ${this.#operation}`)
  }
}

/** Checks the shared `{ mfaId, fields, expand }` options of the sign-in calls. */
export function checkAuthCallOptions(check: InputCheck, options: AuthCallOptions | undefined): InputCheck {
  return check
    .optionalText('options.mfaId', options?.mfaId)
    .optionalText('options.fields', options?.fields)
    .optionalText('options.expand', options?.expand)
}

/** Options every sign-in call accepts. */
export interface AuthCallOptions {
  /** Finishes an MFA sign-in started by another method (from `MfaRequiredError.mfaId`). */
  mfaId?: string
  /** Cancels the call. */
  signal?: AbortSignal
  /** PocketBase `fields` filter for the response, e.g. `'*,record.expand'`. The SDK adds what it needs. */
  fields?: string
  /** PocketBase `expand` for the returned record, e.g. `'team'`. */
  expand?: string
}
