import type { ResolvedConfig } from '../config.js'
import { collectionPath } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { checkAuthCallOptions, InputCheck, type AuthCallOptions } from './input.js'
import { authQuery, requestAuth } from './sign-in-request.js'

/**
 * `POST /api/collections/{collection}/auth-with-password`.
 *
 * @param config - the client's resolved config
 * @param collection - the auth collection's name
 * @param identity - email, or another identity field of the collection
 * @param password - the record's password
 * @param options - see {@link AuthCallOptions}
 * @returns the checked auth response, for `buildSession`
 * @throws {ConfigError} `config_invalid` for an empty identity or password, before any request.
 */
export function passwordSignIn(
  config: ResolvedConfig,
  collection: string,
  identity: string,
  password: string,
  options?: AuthCallOptions,
): Promise<ReceivedAuth> {
  checkAuthCallOptions(
    new InputCheck('authWithPassword').text('identity', identity).text('password', password),
    options,
  ).done()
  return requestAuth(config, {
    path: collectionPath(collection, 'auth-with-password'),
    query: authQuery(options),
    // JSON leaves out an undefined mfaId.
    body: { identity, password, mfaId: options?.mfaId },
    signal: options?.signal,
    factor: 'password',
    gated: true,
  })
}
