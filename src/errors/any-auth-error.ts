import type { ConfigError } from './config-error.js'
import type { MfaRequiredError } from './mfa.js'
import type { OAuth2FailedError, OAuth2StateInvalidError } from './oauth2.js'
import type {
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  OTPInvalidError,
  RateLimitedError,
  ServerError,
  UnexpectedResponseError,
  ValidationError,
} from './protocol.js'
import type {
  NotAuthenticatedError,
  RefreshFailedError,
  TokenExpiredError,
  TokenNotRefreshableError,
} from './session-errors.js'
import type { AbortedError, NetworkError, TimeoutError } from './transport.js'

/**
 * Every concrete error class; narrows on `code`.
 *
 * @example
 * ```ts
 * const error = e as AnyAuthError
 * if (error.code === 'validation_failed') console.log(error.fieldErrors)
 * ```
 */
export type AnyAuthError =
  | ConfigError
  | InvalidCredentialsError
  | MfaRequiredError
  | OTPInvalidError
  | OAuth2StateInvalidError
  | OAuth2FailedError
  | NotAuthenticatedError
  | TokenExpiredError
  | TokenNotRefreshableError
  | RefreshFailedError
  | ForbiddenError
  | NotFoundError
  | ValidationError
  | RateLimitedError
  | NetworkError
  | TimeoutError
  | AbortedError
  | ServerError
  | UnexpectedResponseError
