/**
 * Every stable error code the SDK can raise. Switch on `error.code`; the set only grows in minor versions.
 */
export type AuthErrorCode =
  | 'config_invalid'
  | 'invalid_credentials'
  | 'mfa_required'
  | 'otp_invalid'
  | 'oauth2_state_invalid'
  | 'oauth2_failed'
  | 'not_authenticated'
  | 'token_expired'
  | 'token_not_refreshable'
  | 'refresh_failed'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'rate_limited'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'server_error'
  | 'unexpected_response'
