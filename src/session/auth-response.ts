import type { FailedExchange } from '../errors/auth-error.js'
import { BodyCheck } from '../errors/body-check.js'
import type { AuthRecord } from './types.js'

/** The body of every successful PocketBase sign-in or refresh. */
export interface AuthResponseBody {
  readonly token: string
  readonly record: AuthRecord
  /** OAuth2 only: what the provider said about the user. */
  readonly meta?: Readonly<Record<string, unknown>>
}

/**
 * Checks an untrusted sign-in/refresh body: `{ token, record: { id, collectionId, collectionName, email?,
 * verified? }, meta? }`. The first field that fails is named in the error, never its value.
 *
 * @param body - the parsed response body
 * @param exchange - the request it answered (method, URL, status), named in the error's message
 * @returns the body, typed; `record` keeps every field PocketBase sent (`expand` included)
 * @throws {UnexpectedResponseError} `unexpected_response` naming the field that failed, e.g.
 * `"response" body "record.collectionName" property must be a non-empty string`, with that field in `issues`.
 * @example
 * ```ts
 * const { token, record } = parseAuthResponse(response.body, response.exchange)
 * ```
 */
export function parseAuthResponse(body: unknown, exchange?: FailedExchange): AuthResponseBody {
  const check = new BodyCheck(exchange)
  const fields = check.object(body, '')
  const token = check.nonEmptyString(fields.token, 'token')
  const record = check.object(fields.record, 'record')
  checkAuthRecord(record, check)
  if (fields.meta === undefined) return { token, record }
  return { token, record, meta: check.object(fields.meta, 'meta') }
}

/**
 * Checks the fields of an auth record the SDK relies on, in place: the record is kept as PocketBase sent it
 * (`expand` and custom fields included) rather than copied, which matters for a process holding thousands of
 * sessions.
 */
function checkAuthRecord(record: Record<string, unknown>, check: BodyCheck): asserts record is AuthRecord {
  check.nonEmptyString(record.id, 'record.id')
  check.nonEmptyString(record.collectionId, 'record.collectionId')
  check.nonEmptyString(record.collectionName, 'record.collectionName')
  if (record.email !== undefined) check.string(record.email, 'record.email')
  if (record.verified !== undefined) check.boolean(record.verified, 'record.verified')
}
