import { decodeJwt } from 'jose'
import * as z from 'zod/mini'

/** The claims of a PocketBase auth token that the SDK relies on. */
export interface AuthTokenClaims {
  /** Record id. */
  readonly id: string
  /** Collection id of the record. */
  readonly collectionId: string
  /** Expiry, seconds since the epoch, on the server's clock. */
  readonly exp: number
  /** `false` for impersonation tokens. Absent in tokens of older PocketBase versions, which were refreshable. */
  readonly refreshable: boolean
}

const claimsSchema = z.object({
  id: z.string().check(z.minLength(1)),
  collectionId: z.string().check(z.minLength(1)),
  exp: z.number().check(z.positive()),
  type: z.literal('auth'),
  refreshable: z.optional(z.boolean()),
})

/**
 * Decodes (without verifying: only the server holds the key) a PocketBase auth token's claims.
 * Returns `undefined` for anything that is not a PocketBase auth token, without saying why: the reason could
 * quote the token.
 */
export function readAuthTokenClaims(token: string): AuthTokenClaims | undefined {
  let payload: unknown
  try {
    payload = decodeJwt(token)
  } catch {
    return undefined
  }
  const parsed = claimsSchema.safeParse(payload)
  if (!parsed.success) return undefined
  const { id, collectionId, exp, refreshable } = parsed.data
  return { id, collectionId, exp, refreshable: refreshable ?? true }
}
