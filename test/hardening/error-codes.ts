/** Every `AuthErrorCode`, as a runtime list; the type check below fails when the union gains a code. */
import { expectTypeOf } from 'vitest'
import { isAuthError, type AuthErrorCode } from '../../src/index.js'

export const AUTH_ERROR_CODES = [
  'config_invalid',
  'invalid_credentials',
  'mfa_required',
  'otp_invalid',
  'oauth2_state_invalid',
  'oauth2_failed',
  'not_authenticated',
  'token_expired',
  'token_not_refreshable',
  'refresh_failed',
  'forbidden',
  'not_found',
  'validation_failed',
  'rate_limited',
  'network',
  'timeout',
  'aborted',
  'server_error',
  'unexpected_response',
] as const satisfies readonly AuthErrorCode[]

expectTypeOf<Exclude<AuthErrorCode, (typeof AUTH_ERROR_CODES)[number]>>().toEqualTypeOf<never>()

/** Whether `error` is an `AuthError` with one of the documented codes. */
export function hasDocumentedCode(error: unknown): boolean {
  return isAuthError(error) && (AUTH_ERROR_CODES as readonly string[]).includes(error.code)
}
