import * as z from 'zod/mini'
import type { AuthRecord } from './types.js'

/** The body of every successful PocketBase sign-in or refresh. */
export interface AuthResponseBody {
  readonly token: string
  readonly record: AuthRecord
  /** OAuth2 only: what the provider said about the user. */
  readonly meta?: Readonly<Record<string, unknown>>
}

const recordSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  collectionId: z.string().check(z.minLength(1)),
  collectionName: z.string().check(z.minLength(1)),
})

/** Schema of a sign-in/refresh response body. */
export const authResponseSchema = z.looseObject({
  token: z.string().check(z.minLength(1)),
  record: recordSchema,
  meta: z.optional(z.record(z.string(), z.unknown())),
})

/** Checks an untrusted body; returns the typed body or `undefined`. */
export function parseAuthResponse(body: unknown): AuthResponseBody | undefined {
  const parsed = authResponseSchema.safeParse(body)
  return parsed.success ? (parsed.data as AuthResponseBody) : undefined
}
