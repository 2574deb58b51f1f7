/**
 * Creating users and changing collections through a test PocketBase's superuser API.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { HttpMethod } from './superuser-api.js'

/** Anything with a superuser `api()`, such as the handle `startPocketBase()` returns. */
export interface SuperuserClient {
  api<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T>
}

/** A collection as the API returns it (only the fields every collection has are typed). */
export interface CollectionModel {
  readonly id: string
  readonly name: string
  readonly type: 'auth' | 'base' | 'view'
  readonly [key: string]: unknown
}

/** An auth record as a superuser sees it. */
export interface UserRecord {
  readonly id: string
  readonly collectionId: string
  readonly collectionName: string
  readonly email: string
  readonly verified: boolean
  readonly [field: string]: unknown
}

/** What `createUser` returns: the record plus the plaintext password it was created with. */
export type CreatedUser = UserRecord & { readonly password: string }

/** The fields of a new user; any other field of the collection may be set too. */
export interface NewUser {
  /** @default a unique `user-<random>@example.com` */
  email?: string
  /** @default a random 22-character password */
  password?: string
  /** @default false (as PocketBase's own default) */
  verified?: boolean
  [field: string]: unknown
}

/** Options of `createUser`. */
export interface CreateUserOptions {
  /** The auth collection. @default 'users' */
  collection?: string
}

/**
 * Creates a record in an auth collection as superuser.
 *
 * @param pb - the superuser client
 * @param data - the record's fields; see {@link NewUser} for the defaults
 * @param options - see {@link CreateUserOptions}
 * @returns the created record and its plaintext password
 * @throws {AuthError} `validation_failed` (with `fieldErrors`) when PocketBase rejects a field, `not_found` for
 * an unknown collection.
 * @example
 * ```ts
 * const alice = await createUserRecord(pb, { email: 'alice@example.com', verified: true })
 * await auth.authWithPassword(alice.email, alice.password)
 * ```
 */
export async function createUserRecord(
  pb: SuperuserClient,
  data: NewUser = {},
  options: CreateUserOptions = {},
): Promise<CreatedUser> {
  const email = data.email ?? `user-${randomBytes(6).toString('hex')}@example.com`
  const password = data.password ?? `Pw-${randomBytes(12).toString('base64url')}`
  const body = { ...data, email, password, passwordConfirm: password, verified: data.verified ?? false }
  const collection = encodeURIComponent(options.collection ?? 'users')
  const record = await pb.api<UserRecord>('POST', `/api/collections/${collection}/records`, body)
  return { ...record, password }
}

/**
 * Changes a collection (`PATCH /api/collections/{name}`): PocketBase merges the patch into the collection, so
 * `{ otp: { enabled: true } }` leaves every other setting as it was.
 *
 * @param pb - the superuser client
 * @param nameOrId - the collection's name or id
 * @param patch - the collection fields to change, in PocketBase's own shape
 * @returns the updated collection
 * @throws {AuthError} `validation_failed` (with `fieldErrors`) for an invalid patch, `not_found` for an unknown
 * collection.
 * @example
 * ```ts
 * await patchCollection(pb, 'users', { otp: { enabled: true, length: 6 }, mfa: { enabled: true } })
 * ```
 */
export function patchCollection(
  pb: SuperuserClient,
  nameOrId: string,
  patch: Readonly<Record<string, unknown>>,
): Promise<CollectionModel> {
  return pb.api('PATCH', `/api/collections/${encodeURIComponent(nameOrId)}`, patch)
}
