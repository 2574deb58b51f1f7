export { AuthClient, createAuthClient } from './client.js'
export type { AuthClientOptions } from './config.js'
export { DEFAULTS } from './config.js'
export { createDbInterface, DbInterface, DbCollection } from './db/db-interface.js'
export type {
  DbCollectionOptions,
  DbInterfaceOptions,
  ListResult,
  RecordBody,
  RecordModel,
} from './db/db-interface.js'
export type { AuthedPocketBase } from './db/authed-pocketbase.js'
export { DbFiles } from './db/files.js'
export type { FileRecordRef, FileURLOptions } from './db/files.js'
export type { SchemaIssue, StandardSchemaV1 } from './db/standard-schema.js'
export { AuthError, isAuthError } from './errors/auth-error.js'
export type { AuthErrorOptions, FailedExchange } from './errors/auth-error.js'
export type { AnyAuthError } from './errors/any-auth-error.js'
export type { AuthErrorCode } from './errors/codes.js'
export { ConfigError } from './errors/config-error.js'
export type { ConfigIssue } from './errors/config-error.js'
export { MfaRequiredError } from './errors/mfa.js'
export type { FirstFactor } from './errors/mfa.js'
export { OAuth2FailedError, OAuth2StateInvalidError } from './errors/oauth2.js'
export {
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  OTPInvalidError,
  RateLimitedError,
  ServerError,
  UnexpectedResponseError,
  ValidationError,
} from './errors/protocol.js'
export type {
  FieldError,
  InvalidCredentialsReason,
  ResponseIssue,
  UnexpectedResponseErrorOptions,
} from './errors/protocol.js'
export {
  NotAuthenticatedError,
  RefreshFailedError,
  TokenExpiredError,
  TokenNotRefreshableError,
} from './errors/session-errors.js'
export type { NotAuthenticatedErrorOptions, NotAuthenticatedReason } from './errors/session-errors.js'
export { AbortedError, NetworkError, TimeoutError } from './errors/transport.js'
export type {
  AuthEventListener,
  AuthEventName,
  AuthEvents,
  ExpiringEvent,
  MfaRequiredEvent,
  RefreshFailedEvent,
  SignedOutEvent,
  SignedOutReason,
} from './events.js'
export type { AccountCallOptions } from './flows/account.js'
export type { AuthMethods, OAuth2ProviderInfo, TimedAuthMethod } from './flows/auth-methods.js'
export type { ImpersonateOptions } from './flows/impersonate.js'
export type { AuthCallOptions } from './flows/input.js'
export type {
  CompleteOAuth2Options,
  OAuth2Callback,
  OAuth2SignInOptions,
  StartOAuth2Options,
  StartOAuth2Result,
} from './flows/oauth2.js'
export type { OAuth2AuthSession, OAuth2Meta } from './flows/oauth2-meta.js'
export type { RequestOTPResult } from './flows/otp.js'
export type { LogContext, Logger } from './logger.js'
export { Realtime } from './realtime/realtime.js'
export type {
  ConnectedEvent,
  DisconnectedEvent,
  RealtimeEventName,
  RealtimeEvents,
  RealtimeListener,
  RealtimeState,
} from './realtime/realtime-events.js'
export type { Unsubscribe } from './realtime/subscribe.js'
export type { RecordAction, RecordEvent } from './realtime/subscriptions.js'
export { REALTIME_LIMITS } from './realtime/topics.js'
export type { SubscribeOptions } from './realtime/topics.js'
export { RETRY_POLICY, backoffDelayMs } from './scheduler/backoff.js'
export { nextRefreshAt } from './scheduler/next-refresh-at.js'
export { createMemoryTokenStore, MemoryTokenStore } from './session/token-store.js'
export type { TokenStore } from './session/token-store.js'
export type { SessionShare } from './session/session-share.js'
export type { AuthRecord, AuthSession, PasswordCredentials } from './session/types.js'
