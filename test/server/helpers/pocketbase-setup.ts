/**
 * Set-up shared by the server integration tests: a `role` field on auth collections, cheap password hashing (the
 * tests sign in many users; bcrypt's default cost would dominate their run time), users and their tokens.
 */
import { createUser, getCollection, type CreatedUser } from '../../../dev/index.js'
import { type PocketBaseHandle } from '../../../src/testing/index.js'

/** Adds a text field `role` to an auth collection and lowers its bcrypt cost to the minimum (4). */
export async function prepareAuthCollection(pb: PocketBaseHandle, collection: string): Promise<void> {
  const model = await getCollection(pb, collection)
  const fields = (model['fields'] as Record<string, unknown>[]).map((field) =>
    field['type'] === 'password' ? { ...field, cost: 4 } : field,
  )
  if (!fields.some((field) => field['name'] === 'role')) fields.push({ name: 'role', type: 'text' })
  await pb.api('PATCH', `/api/collections/${encodeURIComponent(collection)}`, { fields })
}

/** A user and a fresh token of theirs. */
export interface SignedInUser extends CreatedUser {
  readonly token: string
}

/**
 * Creates a user and signs it in with its password (a real, refreshable token).
 *
 * @param url - where to sign in (PocketBase, or a proxy in front of it)
 */
export async function signedInUser(
  pb: PocketBaseHandle,
  collection: string,
  data: Record<string, unknown> = {},
  url: string = pb.url,
): Promise<SignedInUser> {
  const user = await createUser(pb, collection, { verified: true, ...data })
  return { ...user, token: await signIn(url, collection, user.email, user.password) }
}

/** Signs in with a password; returns the token. */
export async function signIn(
  url: string,
  collection: string,
  email: string,
  password: string,
): Promise<string> {
  const response = await fetch(
    `${url}/api/collections/${encodeURIComponent(collection)}/auth-with-password`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identity: email, password }),
    },
  )
  const body = (await response.json()) as { token?: string }
  if (!response.ok || typeof body.token !== 'string') throw new Error(`sign-in failed: ${response.status}`)
  return body.token
}

/** A superuser impersonation token (`refreshable: false`) of a record. */
export async function impersonationToken(
  pb: PocketBaseHandle,
  collection: string,
  recordId: string,
  durationSeconds = 600,
): Promise<string> {
  const body = await pb.api<{ token: string }>(
    'POST',
    `/api/collections/${collection}/impersonate/${recordId}`,
    {
      duration: durationSeconds,
    },
  )
  return body.token
}

/** A token whose payload was edited (here: its `exp`, or the record id), so its signature no longer matches. */
export function tamperedToken(token: string, change: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.') as [string, string, string]
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, ...change })).toString('base64url')}.${signature}`
}
