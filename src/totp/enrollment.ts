/**
 * Enrollment and removal: `beginEnrollment`, `confirmEnrollment`, `disable`, `reset`, `status`.
 * @module
 */
import { ForbiddenError, NotFoundError } from '../index.js'
import { newTokenKey } from '../admin/tokens.js'
import { newRecoveryCodes, newTotpSecret, otpauthUri, qrSvg, shapeOf } from './codes.js'
import { open, seal, stringClaim } from './sealing.js'
import { TOTP_FIELDS } from './schema.js'
import type { StoredTotp } from './store.js'
import { checkCode, recoveryHash, type TotpVerifyResult, type VerifyContext } from './verify.js'

/** What enrollment needs beyond a check. */
export interface EnrollmentContext extends VerifyContext {
  readonly issuer: string
  readonly pendingTtlMs: number
  readonly recoveryCodeCount: number
}

/** What `beginEnrollment` returns: show `qrSvg` (or `uri`, or `secret` to type in) once, then forget it. */
export interface BeginEnrollmentResult {
  /** The base32 secret, for typing into an app by hand. */
  readonly secret: string
  /** The `otpauth://totp/…` URI the QR code encodes. */
  readonly uri: string
  /** The URI as an SVG QR code. */
  readonly qrSvg: string
  /** When the enrollment expires unless confirmed (epoch ms). */
  readonly expiresAt: number
}

/** Options of `beginEnrollment`. */
export interface BeginEnrollmentOptions {
  /** The account name the app shows. @default the record's email, else its username, else its id */
  label?: string
}

/** Options of `confirmEnrollment`. */
export interface ConfirmEnrollmentOptions {
  /**
   * Rotate the record's token key, ending every session and API key it had, the current one included: a token
   * issued before TOTP (perhaps a stolen one) must not outlive enrollment. PocketBase has no per-token revocation,
   * so it is all of the record's tokens or none. @default true
   */
  revokeTokens?: boolean
}

/** What `confirmEnrollment` returns. */
export interface ConfirmEnrollmentResult {
  /** Single-use codes for a lost device: show them once; only their HMACs are stored. */
  readonly recoveryCodes: readonly string[]
}

/** What `status` returns. */
export interface TotpStatus {
  /** Whether TOTP is on for the record (the gate then requires the backend for its sign-ins). */
  readonly enabled: boolean
  /** Whether an enrollment waits for `confirmEnrollment`. */
  readonly pending: boolean
  /** Unused recovery codes. */
  readonly recoveryCodesLeft: number
}

/**
 * Starts an enrollment: a new secret, sealed into the record's pending field.
 *
 * @param context - store, keys, clock, issuer
 * @param stored - the record's TOTP state
 * @param options - see {@link BeginEnrollmentOptions}
 * @returns the secret, URI and QR code to show once
 * @throws {ForbiddenError} `forbidden` when TOTP is already on (disable or reset it first).
 */
export async function beginEnrollment(
  context: EnrollmentContext,
  stored: StoredTotp,
  options: BeginEnrollmentOptions = {},
): Promise<BeginEnrollmentResult> {
  if (stored.secret !== '') throw alreadyOn(context, stored.recordId)
  const at = context.now()
  const secret = newTotpSecret()
  const binding = { collection: context.collection, recordId: stored.recordId }
  const pending = await seal(context.keys, 'pending', binding, { sec: secret }, at, context.pendingTtlMs)
  await context.store.update(stored.recordId, { [TOTP_FIELDS.pending]: pending })
  const uri = otpauthUri(context.issuer, options.label ?? stored.label, secret)
  context.logger.info('TOTP enrollment started', {
    collection: context.collection,
    recordId: stored.recordId,
  })
  return { secret, uri, qrSvg: qrSvg(uri), expiresAt: at + context.pendingTtlMs }
}

/**
 * Confirms an enrollment with a code from the app: the secret becomes active (the gate now applies to the
 * record), ten recovery codes are made, and (by default) every older token of the record is revoked.
 *
 * @param context - store, keys, clock, limits
 * @param stored - the record's TOTP state
 * @param code - a code from the app
 * @param options - see {@link ConfirmEnrollmentOptions}
 * @returns the recovery codes, to show once
 * @throws {ForbiddenError} `forbidden` when TOTP is already on.
 * @throws {NotFoundError} `not_found` when no enrollment waits, or it expired.
 * @throws {AuthError} `otp_invalid`, `rate_limited` as `verify`.
 */
export async function confirmEnrollment(
  context: EnrollmentContext,
  stored: StoredTotp,
  code: string,
  options: ConfirmEnrollmentOptions = {},
): Promise<ConfirmEnrollmentResult> {
  const { collection, keys, store } = context
  const { recordId } = stored
  if (stored.secret !== '') throw alreadyOn(context, recordId)
  const opened =
    stored.pending === ''
      ? undefined
      : await open(keys, 'pending', stored.pending, context.now(), { collection, recordId })
  const secret = opened !== undefined && 'claims' in opened ? stringClaim(opened.claims, 'sec') : undefined
  if (secret === undefined) {
    throw new NotFoundError(
      `TOTP: no enrollment waits for record ${recordId} of ${collection} (none started, or it expired); call beginEnrollment()`,
    )
  }
  await checkCode(context, { recordId, secret, recoveryHashes: [] }, code)
  const recoveryCodes = newRecoveryCodes(context.recoveryCodeCount)
  const hashes: string[] = []
  for (const recoveryCode of recoveryCodes) {
    const shape = shapeOf(recoveryCode)
    if (shape.kind === 'recovery') hashes.push(await recoveryHash(keys, collection, recordId, shape.code))
  }
  const active = await seal(keys, 'secret', { collection, recordId }, { sec: secret }, context.now())
  await store.update(recordId, {
    [TOTP_FIELDS.secret]: active,
    [TOTP_FIELDS.pending]: '',
    [TOTP_FIELDS.recovery]: JSON.stringify(hashes),
    ...(options.revokeTokens === false ? {} : { tokenKey: newTokenKey() }),
  })
  context.logger.info('TOTP enabled', { collection, recordId, revokedTokens: options.revokeTokens !== false })
  return { recoveryCodes }
}

/**
 * Turns TOTP off after checking a code or a recovery code.
 *
 * @param context - store, keys, clock, limits
 * @param stored - the record's TOTP state
 * @param code - a TOTP code or a recovery code
 * @returns which code was accepted
 * @throws {NotFoundError} `not_found` when TOTP is not on.
 * @throws {AuthError} `otp_invalid`, `rate_limited` as `verify`.
 */
export async function disable(
  context: EnrollmentContext,
  stored: StoredTotp,
  code: string,
): Promise<TotpVerifyResult> {
  const secret = await activeSecret(context, stored)
  const result = await checkCode(
    context,
    { recordId: stored.recordId, secret, recoveryHashes: stored.recoveryHashes },
    code,
  )
  await clear(context, stored.recordId)
  context.logger.info('TOTP disabled', { collection: context.collection, recordId: stored.recordId })
  return result
}

/**
 * Removes TOTP without a code: a superuser action for a user who lost the device and the recovery codes. Logged
 * at `warn` with the record id.
 *
 * @param context - store and logger
 * @param recordId - the record
 */
export async function reset(context: EnrollmentContext, recordId: string): Promise<void> {
  await clear(context, recordId)
  context.logger.warn('TOTP reset by a superuser (no code checked)', {
    collection: context.collection,
    recordId,
  })
}

/**
 * The record's TOTP status, for account pages.
 *
 * @param context - store, keys, clock
 * @param stored - the record's TOTP state
 * @returns whether TOTP is on or pending, and the recovery codes left
 */
export async function status(context: EnrollmentContext, stored: StoredTotp): Promise<TotpStatus> {
  const claims = stored.secret === '' ? [] : await context.store.claimsOf(stored.recordId)
  const used = new Set(claims.map((claim) => claim.key))
  return {
    enabled: stored.secret !== '',
    pending: stored.pending !== '',
    recoveryCodesLeft:
      stored.secret === ''
        ? 0
        : stored.recoveryHashes.filter((hash) => !used.has(`rc:${hash.slice(0, 32)}`)).length,
  }
}

/**
 * Opens the record's active secret.
 *
 * @param context - keys, clock
 * @param stored - the record's TOTP state
 * @returns the base32 secret
 * @throws {NotFoundError} `not_found` when TOTP is not on for the record.
 * @throws {ForbiddenError} `forbidden` when the stored secret does not open with this key (another key, or
 * copied from another record).
 */
export async function activeSecret(context: VerifyContext, stored: StoredTotp): Promise<string> {
  const { collection } = context
  if (stored.secret === '') {
    throw new NotFoundError(`TOTP is not enabled for record ${stored.recordId} of ${collection}`)
  }
  const opened = await open(context.keys, 'secret', stored.secret, context.now(), {
    collection,
    recordId: stored.recordId,
  })
  const secret = 'claims' in opened ? stringClaim(opened.claims, 'sec') : undefined
  if (secret === undefined) {
    throw new ForbiddenError(
      `TOTP: the secret of record ${stored.recordId} of ${collection} does not open with this key (another POCKETBASE_TOTP_KEY, or copied from another record)`,
    )
  }
  return secret
}

async function clear(context: EnrollmentContext, recordId: string): Promise<void> {
  await context.store.update(recordId, {
    [TOTP_FIELDS.secret]: '',
    [TOTP_FIELDS.pending]: '',
    [TOTP_FIELDS.recovery]: '',
  })
  // The claims of an old enrollment are harmless (steps pass, recovery HMACs change), but need not linger.
  for (const claim of await context.store.claimsOf(recordId)) await context.store.release(claim.id)
}

function alreadyOn(context: VerifyContext, recordId: string): ForbiddenError {
  return new ForbiddenError(
    `TOTP is already enabled for record ${recordId} of ${context.collection}; disable() or reset() it first`,
  )
}
