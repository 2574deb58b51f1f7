import type { ResolvedConfig } from '../config.js'
import { collectionPath } from '../http/request.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { InputCheck } from './input.js'
import { requestAuth } from './sign-in-request.js'

/** Options of `impersonate`. */
export interface ImpersonateOptions {
  /** Auth collection of the record to impersonate (not the superuser's own). @default 'users' */
  collection?: string
  /** Lifetime of the impersonation token in seconds; 0 means the collection's auth token duration. @default 0 */
  durationSeconds?: number
  /**
   * Let the child client impersonate again through this (parent) client before its token expires, since
   * impersonation tokens cannot be refreshed. @default false
   */
  renew?: boolean
  /** Cancels the request. */
  signal?: AbortSignal | undefined
}

/**
 * Validates `impersonate` arguments before any request.
 *
 * @param recordId - id of the record to impersonate
 * @param options - the `impersonate` options, if any
 * @throws {ConfigError} `config_invalid` for an empty record id or `collection`, a duration that is not a whole
 * number of seconds (0 or more), or a `renew` that is not a boolean.
 */
export function checkImpersonateInput(recordId: string, options: ImpersonateOptions | undefined): void {
  const duration = options?.durationSeconds
  new InputCheck('impersonate')
    .text('recordId', recordId)
    .optionalText('options.collection', options?.collection)
    .require(
      duration === undefined || (Number.isSafeInteger(duration) && duration >= 0),
      'options.durationSeconds',
      'must be a whole number of seconds, 0 or more',
    )
    .require(
      options?.renew === undefined || typeof options.renew === 'boolean',
      'options.renew',
      'must be a boolean',
    )
    .done()
}

/**
 * `POST /api/collections/{collection}/impersonate/{recordId}` with a superuser token.
 *
 * @param config - the client's resolved config
 * @param superuserToken - the parent (superuser) session's token
 * @param recordId - id of the record to impersonate; URL-encoded here
 * @param collection - the auth collection of that record
 * @param options - `durationSeconds` (0 when absent) and `signal`
 * @returns the checked auth response with the impersonation token
 * @throws {AuthError} any code `requestAuth` throws, e.g. `forbidden` for a 403.
 */
export function impersonateRequest(
  config: ResolvedConfig,
  superuserToken: string,
  recordId: string,
  collection: string,
  options: ImpersonateOptions | undefined,
): Promise<ReceivedAuth> {
  return requestAuth(config, {
    path: collectionPath(collection, `impersonate/${encodeURIComponent(recordId)}`),
    body: { duration: options?.durationSeconds ?? 0 },
    token: superuserToken,
    signal: options?.signal,
  })
}
