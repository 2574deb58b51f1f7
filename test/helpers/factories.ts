/**
 * Test fixtures as factories: unsigned-looking PocketBase JWTs, auth records and recorded response bodies.
 * The signature part is fake; the SDK only decodes claims (the server verifies signatures).
 */

const base64url = (value: string): string => Buffer.from(value).toString('base64url')

/** Claims of a PocketBase auth token. */
export interface JwtClaims {
  id?: string
  collectionId?: string
  exp?: number
  type?: string
  refreshable?: boolean
  [claim: string]: unknown
}

/** A PocketBase-shaped HS256 JWT; `exp` defaults to one hour from `nowMs`. */
export function makeJwt(claims: JwtClaims = {}, nowMs = Date.now()): string {
  const payload = {
    collectionId: '_pb_users_auth_',
    exp: Math.floor(nowMs / 1000) + 3600,
    id: 'record1234567ab',
    refreshable: true,
    type: 'auth',
    ...claims,
  }
  return `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.c2lnbmF0dXJl`
}

/** An auth record as PocketBase returns it. */
export function makeAuthRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    avatar: '',
    collectionId: '_pb_users_auth_',
    collectionName: 'users',
    created: '2026-11-22 02:16:01.541Z',
    email: 'alice@example.com',
    emailVisibility: false,
    id: 'record1234567ab',
    name: 'Alice',
    updated: '2026-11-22 02:16:01.541Z',
    verified: true,
    ...overrides,
  }
}

/** A successful sign-in/refresh body whose token matches the record. */
export function makeAuthResponse(
  options: { record?: Record<string, unknown>; claims?: JwtClaims; nowMs?: number } = {},
): { token: string; record: Record<string, unknown> } {
  const record = makeAuthRecord(options.record)
  const token = makeJwt(
    { id: String(record.id), collectionId: String(record.collectionId), ...options.claims },
    options.nowMs,
  )
  return { token, record }
}

/** Recorded PocketBase 0.40.4 error bodies (see shared/PB-AUTH-API.md). */
export const PB_BODIES = {
  failedToAuthenticate: { data: {}, message: 'Failed to authenticate.', status: 400 },
  mfaRequired: { mfaId: 'kq6dthldmghvm1t' },
  invalidOtp: { data: {}, message: 'Invalid or expired OTP.', status: 400 },
  tooManyRequests: { data: {}, message: 'Too Many Requests.', status: 429 },
  tooManyOtpAttempts: {
    data: {},
    message: 'Too many attempts, please try again later with a new OTP.',
    status: 429,
  },
  requiresAuth: { data: {}, message: 'The request requires valid record authorization token.', status: 401 },
  otpDisabled: {
    data: {},
    message: 'The collection is not configured to allow OTP authentication.',
    status: 403,
  },
  notFound: { data: {}, message: "The requested resource wasn't found.", status: 404 },
  mfaSameMethod: { data: {}, message: 'A different authentication method is required.', status: 400 },
  mfaInvalid: { data: {}, message: 'Invalid or expired MFA session.', status: 400 },
  mfaMismatch: { data: {}, message: 'Invalid MFA session.', status: 400 },
  oauth2TokenFailed: { data: {}, message: 'Failed to fetch OAuth2 token.', status: 400 },
  blankIdentity: {
    data: {
      identity: { code: 'validation_required', message: 'Cannot be blank.' },
      password: { code: 'validation_required', message: 'Cannot be blank.' },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
} as const
