/** An auth record as PocketBase returns it. Fields beyond the system ones depend on your collection. */
export interface AuthRecord {
  readonly id: string
  readonly collectionId: string
  readonly collectionName: string
  readonly email?: string
  readonly verified?: boolean
  readonly [field: string]: unknown
}

/**
 * The signed-in state. Read-only; the client replaces it with a new object on every change.
 * Times are epoch milliseconds on the client's clock (`now`), already corrected for server clock skew.
 */
export interface AuthSession {
  /** The PocketBase auth token (a JWT). Keep it in memory; never log it. */
  readonly token: string
  /** The signed-in record. */
  readonly record: AuthRecord
  /** The record's collection id, e.g. `_pb_users_auth_`. */
  readonly collectionId: string
  /** The record's collection name, e.g. `users` or `_superusers`. */
  readonly collectionName: string
  /** The record id (the token's `id` claim). */
  readonly recordId: string
  /** When the token expires, from its `exp` claim, corrected for clock skew against the server's `Date`. */
  readonly expiresAt: number
  /** When this client received the token (PocketBase tokens carry no `iat`). */
  readonly issuedAt: number
  /** Whether auth-refresh can extend this token (`false` for impersonation tokens). */
  readonly refreshable: boolean
}

/** What a `credentials` callback returns for an unattended sign-in. */
export interface PasswordCredentials {
  /** Email, or another identity field of the collection. */
  readonly identity: string
  /** The password; used for one request and not kept. */
  readonly password: string
}

/** Why a session ended. */
export type SignedOutReason =
  /** `logout()` was called (on this client, or on the parent of an impersonated child). */
  | 'logout'
  /** The token expired and could not be refreshed. */
  | 'expired'
  /** The server rejected a token that had not expired yet (password or email changed, authRule changed). */
  | 'revoked'
