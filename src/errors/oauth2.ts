import { AuthError, type AuthErrorOptions } from './auth-error.js'
import { cleanServerText } from './server-text.js'

/** The most characters of a provider's `error` kept in `providerError` (the registered codes are under 30). */
const MAX_PROVIDER_ERROR_LENGTH = 100

/** The OAuth2 `state` is unknown to this client, expired (10 minutes) or already used. Start over. */
export class OAuth2StateInvalidError extends AuthError {
  /** Always `'oauth2_state_invalid'`. */
  readonly code = 'oauth2_state_invalid' as const
}

/** The provider refused (e.g. `error=access_denied`) or PocketBase could not exchange the code. */
export class OAuth2FailedError extends AuthError {
  /** Always `'oauth2_failed'`. */
  readonly code = 'oauth2_failed' as const
  /**
   * The provider's `error` parameter, e.g. `access_denied`, when the provider sent one: at most 100 characters,
   * without control characters.
   */
  readonly providerError?: string

  /**
   * @param message - what failed and why
   * @param providerError - the provider's `error` parameter, if it sent one; cut and cleaned here
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, providerError?: string, options?: AuthErrorOptions) {
    super(message, options)
    if (providerError !== undefined) {
      this.providerError = cleanServerText(providerError, MAX_PROVIDER_ERROR_LENGTH)
    }
  }

  protected override details(): Record<string, unknown> {
    return this.providerError === undefined ? {} : { providerError: this.providerError }
  }
}
