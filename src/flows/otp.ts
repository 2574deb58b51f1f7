import type { ResolvedConfig } from '../config.js'
import { BodyCheck } from '../errors/body-check.js'
import { collectionPath, pocketBaseRequest } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { checkAuthCallOptions, InputCheck, type AuthCallOptions } from './input.js'
import { authQuery, requestAuth } from './sign-in-request.js'

/** What `requestOTP` returns. The same shape comes back for an unknown email: nothing reveals existence. */
export interface RequestOTPResult {
  /** Pass to `authWithOTP` with the code from the mail. */
  readonly otpId: string
}

/**
 * `POST /api/collections/{collection}/request-otp`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param email - the address to mail the code to
 * @param signal - cancels the request
 * @returns the `otpId` PocketBase answered
 * @throws {ConfigError} `config_invalid` when `email` is not an email address.
 * @throws {UnexpectedResponseError} `unexpected_response` when the response has no `otpId`.
 */
export async function requestOTP(
  config: ResolvedConfig,
  collection: string,
  email: string,
  signal?: AbortSignal,
): Promise<RequestOTPResult> {
  new InputCheck('requestOTP').email('email', email).done()
  const path = collectionPath(collection, 'request-otp')
  const response = await pocketBaseRequest(config, { method: 'POST', path, body: { email }, signal })
  const check = new BodyCheck(response.exchange)
  return { otpId: check.nonEmptyString(check.object(response.body, '').otpId, 'otpId') }
}

/**
 * `POST /api/collections/{collection}/auth-with-otp`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param otpId - the `otpId` from `requestOTP`
 * @param code - the one-time password from the mail
 * @param options - see {@link AuthCallOptions}
 * @returns the checked auth response, for `buildSession`
 * @throws {ConfigError} `config_invalid` for an empty otpId or code, before any request.
 */
export function otpSignIn(
  config: ResolvedConfig,
  collection: string,
  otpId: string,
  code: string,
  options?: AuthCallOptions,
): Promise<ReceivedAuth> {
  checkAuthCallOptions(new InputCheck('authWithOTP').text('otpId', otpId).text('code', code), options).done()
  return requestAuth(config, {
    path: collectionPath(collection, 'auth-with-otp'),
    query: authQuery(options),
    // JSON leaves out an undefined mfaId.
    body: { otpId, password: code, mfaId: options?.mfaId },
    signal: options?.signal,
    factor: 'otp',
    gated: true,
  })
}
