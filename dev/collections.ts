/**
 * Typed one-call helpers that create collections and auth records through a PocketBase handle's superuser API.
 * @module
 */
import {
  createUserRecord,
  type CollectionModel,
  type CreatedUser,
  type SuperuserClient,
  type UserRecord,
} from '../src/testing/records.js'

/** A field definition for `fields`, e.g. `{ name: 'nickname', type: 'text', max: 100 }`. */
export interface FieldSpec {
  name: string
  type: string
  [option: string]: unknown
}

/** The API rules of a collection; `null` means superusers only, `''` means everyone. */
export interface CollectionRules {
  listRule?: string | null
  viewRule?: string | null
  createRule?: string | null
  updateRule?: string | null
  deleteRule?: string | null
}

/** An auth record as a superuser sees it. */
export type AuthRecord = UserRecord

/**
 * Create an auth collection. Every identity field other than `email` gets a UNIQUE index (PocketBase requires
 * one). Rules default to those of `users`: public sign-up, each record sees and edits itself.
 * @example
 * await createAuthCollection(pb, 'members', {
 *   identityFields: ['email', 'nickname'],
 *   fields: [{ name: 'nickname', type: 'text', max: 100 }],
 * })
 */
export function createAuthCollection(
  pb: SuperuserClient,
  name: string,
  options: {
    identityFields?: string[]
    fields?: FieldSpec[]
    indexes?: string[]
    rules?: CollectionRules
  } = {},
): Promise<CollectionModel> {
  const identityFields = options.identityFields ?? ['email']
  const indexes = [...(options.indexes ?? [])]
  for (const field of identityFields) {
    if (field === 'email' || indexes.some((index) => index.includes(`(${field})`))) continue
    indexes.push(`CREATE UNIQUE INDEX idx_${name}_${field} ON ${name} (${field}) WHERE ${field} != ''`)
  }
  const self = 'id = @request.auth.id'
  const rules = { listRule: self, viewRule: self, createRule: '', updateRule: self, deleteRule: self }
  return pb.api('POST', '/api/collections', {
    type: 'auth',
    name,
    fields: options.fields ?? [],
    indexes,
    passwordAuth: { enabled: true, identityFields },
    ...rules,
    ...options.rules,
  })
}

/**
 * Create a base collection. A relation field may name its target collection in `collectionId` by name
 * (e.g. `'users'`); it is resolved to the id first.
 * @example
 * await createBaseCollection(pb, 'posts', {
 *   fields: [{ name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true }],
 *   rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
 * })
 */
export async function createBaseCollection(
  pb: SuperuserClient,
  name: string,
  options: { fields?: FieldSpec[]; indexes?: string[]; rules?: CollectionRules } = {},
): Promise<CollectionModel> {
  const fields: FieldSpec[] = []
  for (const field of options.fields ?? []) {
    const target = field['collectionId']
    if (field.type !== 'relation' || typeof target !== 'string') fields.push(field)
    else fields.push({ ...field, collectionId: (await getCollection(pb, target)).id })
  }
  return pb.api('POST', '/api/collections', {
    type: 'base',
    name,
    fields,
    indexes: options.indexes ?? [],
    ...options.rules,
  })
}

export type { CreatedUser }

/**
 * Create a record in an auth collection as superuser (`pb.createUser(data, { collection })` of the testing kit,
 * for any superuser client).
 * @param data.email - @default a unique `user-<random>@example.com`
 * @param data.password - @default a random password
 * @param data.verified - @default false
 */
export function createUser(
  pb: SuperuserClient,
  collection: string,
  data: { email?: string; password?: string; verified?: boolean; [field: string]: unknown } = {},
): Promise<CreatedUser> {
  return createUserRecord(pb, data, { collection })
}

/** Read a collection by name or id. */
export function getCollection(pb: SuperuserClient, nameOrId: string): Promise<CollectionModel> {
  return pb.api('GET', `/api/collections/${encodeURIComponent(nameOrId)}`)
}
