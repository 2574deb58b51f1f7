/**
 * Long-lived tokens for service accounts (impersonation tokens, i.e. API keys) and revoking every token of a
 * record, the only revocation PocketBase offers.
 * @module
 */
import { collectionPath, parseAuthResponse, readAuthTokenClaims } from '../kit.js'
import { ConfigError, UnexpectedResponseError } from '../index.js'
import type { Superuser } from './superuser.js'

/** Options of `createApiKey`. */
export interface CreateApiKeyOptions {
  /** The record's auth collection. @default 'users' */
  collection?: string
  /** How long the key is valid, in seconds (whole, 1 or more). Required: an API key's life should be a choice. */
  durationSeconds: number
}

/** A new API key. Keep `token` like a password: whoever has it acts as the record until `expiresAt`. */
export interface ApiKey {
  readonly token: string
  /** Epoch ms. */
  readonly expiresAt: number
  readonly recordId: string
  readonly collection: string
}

/** Options of `revokeTokens`. */
export interface RevokeTokensOptions {
  /** The record's auth collection. @default 'users' */
  collection?: string
}

const RECORD_ID = /^[\w-]{1,100}$/

function checkRecord(
  method: string,
  recordId: unknown,
  collection: unknown,
  extra: { path: string; message: string }[] = [],
): void {
  const issues = [...extra]
  if (typeof recordId !== 'string' || !RECORD_ID.test(recordId))
    issues.unshift({ path: 'recordId', message: 'must be a record id' })
  if (typeof collection !== 'string' || collection === '')
    issues.push({ path: 'options.collection', message: 'must be a collection name' })
  if (issues.length > 0) throw new ConfigError(issues, `Invalid arguments to ${method}`)
}

/**
 * Issues a non-refreshable token for a record (PocketBase's impersonation): an API key for a service account.
 *
 * @param superuser - the checked superuser
 * @param recordId - the record the key acts as
 * @param options - see {@link CreateApiKeyOptions}
 * @returns the token and its expiry
 * @throws {ConfigError} `config_invalid` for a bad record id, collection or duration, before any request.
 * @throws {AuthError} `not_found` (no such record), `unexpected_response`, and the transport codes.
 */
export async function createApiKey(
  superuser: Superuser,
  recordId: string,
  options: CreateApiKeyOptions,
): Promise<ApiKey> {
  const collection = options?.collection ?? 'users'
  const duration = options?.durationSeconds
  checkRecord(
    'createApiKey',
    recordId,
    collection,
    Number.isSafeInteger(duration) && duration >= 1
      ? []
      : [{ path: 'options.durationSeconds', message: 'must be a whole number of seconds, 1 or more' }],
  )
  const path = collectionPath(collection, `impersonate/${recordId}`)
  const response = await superuser.send({ method: 'POST', path, body: { duration } })
  const body = parseAuthResponse(response.body)
  const claims = body === undefined ? undefined : readAuthTokenClaims(body.token)
  if (body === undefined || claims === undefined || claims.id !== recordId) {
    throw new UnexpectedResponseError(
      `POST ${path}: the response is not an impersonation token for the record`,
      {
        status: response.status,
        exchange: response.exchange,
      },
    )
  }
  const expiresAt = claims.exp * 1000
  superuser.config.logger.info('API key created', { collection, recordId, expiresAt })
  return { token: body.token, expiresAt, recordId, collection }
}

/**
 * Invalidates every token of a record, API keys and sessions on every device included, by giving it a new
 * token key. PocketBase has no per-token revocation: this is the smallest unit, and the record's user signs in
 * again everywhere (its password stays).
 *
 * @param superuser - the checked superuser
 * @param recordId - the record
 * @param options - see {@link RevokeTokensOptions}
 * @throws {ConfigError} `config_invalid` for a bad record id or collection, before any request.
 * @throws {AuthError} `not_found` (no such record), and the transport codes.
 */
export async function revokeTokens(
  superuser: Superuser,
  recordId: string,
  options: RevokeTokensOptions = {},
): Promise<void> {
  const collection = options.collection ?? 'users'
  checkRecord('revokeTokens', recordId, collection)
  await superuser.send({
    method: 'PATCH',
    path: collectionPath(collection, `records/${recordId}`),
    body: { tokenKey: newTokenKey() },
    query: { fields: 'id' },
  })
  superuser.config.logger.warn('all tokens of a record revoked', { collection, recordId })
}

/**
 * A new random `tokenKey` (50 letters and digits, PocketBase's own format). Writing it makes PocketBase reject
 * every token the record had.
 *
 * @returns the key
 */
export function newTokenKey(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  let key = ''
  while (key.length < 50) {
    for (const byte of crypto.getRandomValues(new Uint8Array(50))) {
      if (byte < 248 && key.length < 50) key += alphabet.charAt(byte % alphabet.length)
    }
  }
  return key
}
