import { AuthError, type AuthErrorOptions } from './auth-error.js'

/** The OAuth2 `state` is unknown to this client, expired (10 minutes) or already used. Start over. */
export class OAuth2StateInvalidError extends AuthError {
  /** Always `'oauth2_state_invalid'`. */
  readonly code = 'oauth2_state_invalid' as const
}

/** The provider refused (e.g. `error=access_denied`) or PocketBase could not exchange the code. */
export class OAuth2FailedError extends AuthError {
  /** Always `'oauth2_failed'`. */
  readonly code = 'oauth2_failed' as const
  /** The provider's `error` parameter, e.g. `access_denied`, when the provider sent one. */
  readonly providerError?: string

  /**
   * @param message - what failed and why
   * @param providerError - the provider's `error` parameter, if it sent one
   * @param options - see {@link AuthErrorOptions}
   */
  constructor(message: string, providerError?: string, options?: AuthErrorOptions) {
    super(message, options)
    if (providerError !== undefined) this.providerError = providerError
  }

  protected override details(): Record<string, unknown> {
    return this.providerError === undefined ? {} : { providerError: this.providerError }
  }
}
