import { isNonEmptyString, isObject } from '../narrow.js'
import type { AuthRecord } from './types.js'

/** The body of every successful PocketBase sign-in or refresh. */
export interface AuthResponseBody {
  readonly token: string
  readonly record: AuthRecord
  /** OAuth2 only: what the provider said about the user. */
  readonly meta?: Readonly<Record<string, unknown>>
}

/**
 * Checks an untrusted sign-in/refresh body: `{ token, record: { id, collectionId, collectionName }, meta? }`.
 *
 * @param body - the parsed response body
 * @returns the same body, typed; `undefined` when a required field is missing or empty, or `meta` is not an
 * object
 */
export function parseAuthResponse(body: unknown): AuthResponseBody | undefined {
  if (!isObject(body) || !isNonEmptyString(body.token)) return undefined
  const { record, meta } = body
  if (!isObject(record)) return undefined
  if (![record.id, record.collectionId, record.collectionName].every(isNonEmptyString)) return undefined
  if (meta !== undefined && !isObject(meta)) return undefined
  return body as unknown as AuthResponseBody
}
