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

/** A stand-in HMAC-SHA256 signature: 32 bytes, 43 base64url characters, the length PocketBase's have. */
export const FAKE_SIGNATURE = 'ZmFrZSAzMi1ieXRlIEhNQUMtU0hBMjU2IGZvciB0c3Q'

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
  return `${base64url('{"alg":"HS256","typ":"JWT"}')}.${base64url(JSON.stringify(payload))}.${FAKE_SIGNATURE}`
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
  // Appended for test/errors/from-response.test.ts: every error body listed in shared/PB-AUTH-API.md. Where the
  // document records only `data` (account flows), the top-level message is PocketBase's usual validation one.
  blankPassword: {
    data: { password: { code: 'validation_required', message: 'Cannot be blank.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  invalidIdentityField: {
    data: { identityField: { code: 'validation_in_invalid', message: 'Must be a valid value.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  passwordAuthDisabled: {
    data: {},
    message: 'The collection is not configured to allow password authentication.',
    status: 403,
  },
  authRuleNotSatisfied: {
    data: {},
    message: "The request doesn't satisfy the collection requirements to authenticate.",
    status: 403,
  },
  emailNotUnique: {
    data: { email: { code: 'validation_not_unique', message: 'Value must be unique.' } },
    message: 'Failed to create record.',
    status: 400,
  },
  requiresUsersRecord: {
    data: {},
    message: 'The request requires auth record from users collection.',
    status: 403,
  },
  requiresSuperusersRecord: {
    data: {},
    message: 'The request requires auth record from _superusers collection.',
    status: 403,
  },
  authTokenDurationTooShort: {
    data: {
      authToken: {
        duration: {
          code: 'validation_min_greater_equal_than_required',
          message: 'Must be no less than 10.',
          params: { threshold: 10 },
        },
      },
    },
    message: 'Failed to update collection.',
    status: 400,
  },
  notAllowed: {
    data: {},
    message: 'The authorized record is not allowed to perform this action.',
    status: 403,
  },
  blankEmail: {
    data: { email: { code: 'validation_required', message: 'Cannot be blank.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  invalidEmail: {
    data: { email: { code: 'validation_is_email', message: 'Must be a valid email address.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  blankOtpFields: {
    data: {
      otpId: { code: 'validation_required', message: 'Cannot be blank.' },
      password: { code: 'validation_required', message: 'Cannot be blank.' },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  mfaNotEnoughAuths: {
    data: {
      mfa: {
        enabled: {
          code: 'validation_mfa_not_enough_auths',
          message: 'MFA requires at least 2 auth methods to be enabled.',
        },
      },
    },
    message: 'Failed to update collection.',
    status: 400,
  },
  mfaInvalidRule: {
    data: {
      mfa: {
        rule: {
          code: 'validation_invalid_rule',
          message:
            'Invalid rule. Raw error: invalid left operand "nosuchfield" - unknown field "nosuchfield".',
        },
      },
    },
    message: 'Failed to update collection.',
    status: 400,
  },
  oauth2UnknownProvider: {
    data: {
      provider: {
        code: 'validation_invalid_provider',
        message: 'Provider with name github is missing or is not enabled.',
        params: { name: 'github' },
      },
    },
    message: 'An error occurred while loading the submitted data.',
    status: 400,
  },
  oauth2MissingFields: {
    data: {
      code: { code: 'validation_required', message: 'Cannot be blank.' },
      provider: { code: 'validation_required', message: 'Cannot be blank.' },
    },
    message: 'An error occurred while loading the submitted data.',
    status: 400,
  },
  oauth2BlankEmail: {
    data: { email: { code: 'validation_required', message: 'Cannot be blank.' } },
    message: 'Failed to create record.',
    status: 400,
  },
  oauth2CreateDataTooLong: {
    data: {
      name: {
        code: 'validation_max_text_constraint',
        message: 'Must be no more than 255 character(s).',
        params: { max: 255 },
      },
    },
    message: 'Failed to create record.',
    status: 400,
  },
  oauth2Disabled: {
    data: {},
    message: 'The collection is not configured to allow OAuth2 authentication.',
    status: 403,
  },
  impersonateNegativeDuration: {
    data: {
      duration: {
        code: 'validation_min_greater_equal_than_required',
        message: 'Must be no less than 0.',
        params: { threshold: 0 },
      },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  rateLimitRulesInvalid: {
    data: {
      rateLimits: {
        rules: {
          '0': {
            duration: { code: 'validation_required', message: 'Cannot be blank.' },
            label: { code: 'validation_match_invalid', message: 'Must be in a valid format.' },
            maxRequests: { code: 'validation_required', message: 'Cannot be blank.' },
          },
        },
      },
    },
    message: 'An error occurred while saving the new settings.',
    status: 400,
  },
  fileNotFound: { data: {}, message: 'File not found.', status: 404 },
  unknownCollection: { data: {}, message: 'Missing or invalid collection context.', status: 404 },
  notAuthCollection: { data: {}, message: 'Missing or invalid auth collection context.', status: 404 },
  invalidSubmittedData: {
    data: {},
    message: 'An error occurred while loading the submitted data.',
    status: 400,
  },
  verificationTokenClaims: {
    data: { token: { code: 'validation_invalid_token_claims', message: 'Missing email token claim.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  passwordConfirmMismatch: {
    data: { passwordConfirm: { code: 'validation_values_mismatch', message: "Values don't match." } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  passwordTooShort: {
    data: {
      password: {
        code: 'validation_length_out_of_range',
        message: 'The length must be between 8 and 255.',
        params: { max: 255, min: 8 },
      },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  blankPasswordReset: {
    data: {
      password: { code: 'validation_required', message: 'Cannot be blank.' },
      passwordConfirm: { code: 'validation_required', message: 'Cannot be blank.' },
      token: { code: 'validation_required', message: 'Cannot be blank.' },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  resetTokenInvalid: {
    data: { token: { code: 'validation_invalid_token', message: 'Invalid or expired token.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  newEmailTaken: {
    data: { newEmail: { code: 'validation_invalid_new_email', message: 'Invalid new email address.' } },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
  emailChangeWrongPassword: {
    data: {
      password: { code: 'validation_invalid_password', message: 'Missing or invalid auth record password.' },
    },
    message: 'An error occurred while validating the submitted data.',
    status: 400,
  },
} as const
