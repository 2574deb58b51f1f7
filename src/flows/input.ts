import { ConfigError, type ConfigIssue } from '../errors/config-error.js'

/** Collects argument problems so one `ConfigError` can name every bad field, before any request. */
export class InputCheck {
  readonly #issues: ConfigIssue[] = []

  readonly #operation: string

  /** @param operation - the public call's name, for the error message */
  constructor(operation: string) {
    this.#operation = operation
  }

  /**
   * Requires a non-empty string.
   *
   * @param field - the argument's name in the issue, e.g. `options.mfaId`
   * @param value - the argument as given
   * @returns this check, for chaining
   */
  text(field: string, value: unknown): this {
    if (typeof value !== 'string') this.#issues.push({ path: field, message: 'must be a string' })
    else if (value.trim() === '') this.#issues.push({ path: field, message: 'must not be empty' })
    return this
  }

  /**
   * Requires something shaped like an email address.
   *
   * @param field - the argument's name in the issue
   * @param value - the argument as given
   * @returns this check, for chaining
   */
  email(field: string, value: unknown): this {
    this.text(field, value)
    if (typeof value === 'string' && value.trim() !== '' && !/^[^\s@]+@[^\s@]+$/.test(value)) {
      this.#issues.push({ path: field, message: 'must be an email address' })
    }
    return this
  }

  /**
   * Requires an optional string to be non-empty when present.
   *
   * @param field - the argument's name in the issue
   * @param value - the argument as given; `undefined` passes
   * @returns this check, for chaining
   */
  optionalText(field: string, value: unknown): this {
    return value === undefined ? this : this.text(field, value)
  }

  /**
   * Adds an issue when `condition` is false.
   *
   * @param condition - whether the argument is valid
   * @param field - the argument's name in the issue
   * @param message - what is wrong, without quoting the value
   * @returns this check, for chaining
   */
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

/**
 * Checks the shared `{ mfaId, fields, expand }` options of the sign-in calls.
 *
 * @param check - the call's check, to add the options' issues to
 * @param options - the call's options, if any
 * @returns `check`, for chaining
 */
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
