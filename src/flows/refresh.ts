import type { ResolvedConfig } from '../config.js'
import { collectionPath } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { authQuery } from './sign-in-request.js'
import { requestAuth } from './sign-in-request.js'
import type { AuthCallOptions } from './input.js'

/**
 * `POST /api/collections/{collection}/auth-refresh` with `token`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param token - the token to refresh
 * @param options - `signal` cancels the request; `fields` and `expand` shape the response
 * @returns the checked auth response with the new token
 * @throws {TokenExpiredError} `token_expired` when the server rejects the token (401).
 */
export function refreshRequest(
  config: ResolvedConfig,
  collection: string,
  token: string,
  options?: Pick<AuthCallOptions, 'signal' | 'fields' | 'expand'>,
): Promise<ReceivedAuth> {
  return requestAuth(config, {
    path: collectionPath(collection, 'auth-refresh'),
    query: authQuery(options),
    token,
    signal: options?.signal,
    gated: true,
  })
}
