import type { ResolvedConfig } from '../config.js'
import { collectionPath, pocketBaseRequest } from '../http/request.js'
import { InputCheck } from './input.js'

/** Options of the account calls. */
export interface AccountCallOptions {
  /** Cancels the call. */
  signal?: AbortSignal
}

/** One account-flow request; PocketBase answers 204 on success. */
async function post(
  config: ResolvedConfig,
  collection: string,
  action: string,
  body: Record<string, string>,
  options: AccountCallOptions | undefined,
  token?: string,
): Promise<void> {
  await pocketBaseRequest(config, {
    method: 'POST',
    path: collectionPath(collection, action),
    body,
    signal: options?.signal,
    token,
  })
}

/**
 * `request-verification`: mails a verification link. Unknown or verified emails get the same answer.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param email - the address to verify
 * @param options - `signal` cancels the request
 * @throws {ConfigError} `config_invalid` when `email` is not an email address, before any request.
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export async function requestVerification(
  config: ResolvedConfig,
  collection: string,
  email: string,
  options?: AccountCallOptions,
): Promise<void> {
  new InputCheck('requestVerification').email('email', email).done()
  return post(config, collection, 'request-verification', { email }, options)
}

/**
 * `confirm-verification` with the token from the mail.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param token - the token from the verification mail
 * @param options - `signal` cancels the request
 * @throws {ConfigError} `config_invalid` for an empty token, before any request.
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export async function confirmVerification(
  config: ResolvedConfig,
  collection: string,
  token: string,
  options?: AccountCallOptions,
): Promise<void> {
  new InputCheck('confirmVerification').text('token', token).done()
  return post(config, collection, 'confirm-verification', { token }, options)
}

/**
 * `request-password-reset`: mails a reset link. Unknown emails get the same answer.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param email - the record's email address
 * @param options - `signal` cancels the request
 * @throws {ConfigError} `config_invalid` when `email` is not an email address, before any request.
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export async function requestPasswordReset(
  config: ResolvedConfig,
  collection: string,
  email: string,
  options?: AccountCallOptions,
): Promise<void> {
  new InputCheck('requestPasswordReset').email('email', email).done()
  return post(config, collection, 'request-password-reset', { email }, options)
}

/**
 * `confirm-password-reset` with the token from the mail and the new password twice.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param input - the token from the reset mail, the new password and its confirmation
 * @param options - `signal` cancels the request
 * @throws {ConfigError} `config_invalid` for an empty token, password or confirmation, before any request.
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export async function confirmPasswordReset(
  config: ResolvedConfig,
  collection: string,
  input: { token: string; password: string; passwordConfirm: string },
  options?: AccountCallOptions,
): Promise<void> {
  new InputCheck('confirmPasswordReset')
    .text('token', input.token)
    .text('password', input.password)
    .text('passwordConfirm', input.passwordConfirm)
    .done()
  return post(config, collection, 'confirm-password-reset', input, options)
}

/**
 * `request-email-change` for the signed-in record (needs its token); mails the new address.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param newEmail - the address to change to (checked beforehand by `checkEmailChangeInput`)
 * @param token - the signed-in record's token
 * @param options - `signal` cancels the request
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export function requestEmailChange(
  config: ResolvedConfig,
  collection: string,
  newEmail: string,
  token: string,
  options?: AccountCallOptions,
): Promise<void> {
  return post(config, collection, 'request-email-change', { newEmail }, options, token)
}

/**
 * Validates `requestEmailChange` input before the client looks for a token.
 *
 * @param newEmail - the address to change to
 * @throws {ConfigError} `config_invalid` when `newEmail` is not an email address.
 */
export function checkEmailChangeInput(newEmail: string): void {
  new InputCheck('requestEmailChange').email('newEmail', newEmail).done()
}

/**
 * `confirm-email-change` with the token from the mail and the record's current password.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param input - the token from the confirmation mail and the record's current password
 * @param options - `signal` cancels the request
 * @throws {ConfigError} `config_invalid` for an empty token or password, before any request.
 * @throws {AuthError} any code `pocketBaseRequest` throws for the request.
 */
export async function confirmEmailChange(
  config: ResolvedConfig,
  collection: string,
  input: { token: string; password: string },
  options?: AccountCallOptions,
): Promise<void> {
  new InputCheck('confirmEmailChange').text('token', input.token).text('password', input.password).done()
  return post(config, collection, 'confirm-email-change', input, options)
}
