/**
 * Typed one-call helpers that create collections and auth records through a PocketBase handle's superuser API.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { CollectionModel, SuperuserClient } from './configure.js'

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
export interface AuthRecord {
  id: string
  collectionId: string
  collectionName: string
  email: string
  verified: boolean
  [field: string]: unknown
}

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

/** What `createUser` returns: the record plus the plaintext password it was created with. */
export type CreatedUser = AuthRecord & { password: string }

/**
 * Create a record in an auth collection as superuser.
 * @param data.email - @default a unique `user-<random>@example.com`
 * @param data.password - @default a random 20-character password
 * @param data.verified - @default false
 */
export async function createUser(
  pb: SuperuserClient,
  collection: string,
  data: { email?: string; password?: string; verified?: boolean; [field: string]: unknown } = {},
): Promise<CreatedUser> {
  const email = data.email ?? `user-${randomBytes(6).toString('hex')}@example.com`
  const password = data.password ?? `Pw-${randomBytes(12).toString('base64url')}`
  const body = { ...data, email, password, passwordConfirm: password, verified: data.verified ?? false }
  const record = await pb.api<AuthRecord>('POST', `/api/collections/${collection}/records`, body)
  return { ...record, password }
}

/** Read a collection by name or id. */
export function getCollection(pb: SuperuserClient, nameOrId: string): Promise<CollectionModel> {
  return pb.api('GET', `/api/collections/${encodeURIComponent(nameOrId)}`)
}
