import type { ResolvedConfig } from '../config.js'
import { collectionPath } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { authQuery } from './sign-in-request.js'
import { requestAuth } from './sign-in-request.js'
import type { AuthCallOptions } from './input.js'

/** `POST /api/collections/{collection}/auth-refresh` with `token`. */
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
  })
}
