import { ConfigError, type AuthClient, type AuthSession } from '../index.js'
import { asSuperuser } from '../admin/superuser.js'
import * as enrollment from './enrollment.js'
import type {
  BeginEnrollmentOptions,
  BeginEnrollmentResult,
  ConfirmEnrollmentOptions,
  ConfirmEnrollmentResult,
  EnrollmentContext,
  TotpStatus,
} from './enrollment.js'
import { install, type InstallOptions, type InstallResult } from './install.js'
import { DerivedKeys } from './keys.js'
import { resolveTotpOptions, TOTP_DEFAULTS, type TotpOptions } from './options.js'
import { signIn, type SignInContext, type TotpSignInInput } from './sign-in.js'
import { RECORD_ID, TotpStore } from './store.js'
import { checkCode, type TotpVerifyResult } from './verify.js'

/**
 * TOTP (authenticator apps) as a second factor that PocketBase itself enforces, for one auth collection.
 * Create it with `createTotp()`; every method acts as the superuser client it was given.
 */
export class Totp {
  readonly #context: SignInContext & EnrollmentContext
  readonly #installContext: Parameters<typeof install>[0]

  /** @internal Use `createTotp()`. */
  constructor(options: TotpOptions) {
    const resolved = resolveTotpOptions(options)
    const superuser = asSuperuser(resolved.superuser, 'createTotp')
    const store = new TotpStore(superuser, resolved.collection, resolved.claimsCollection)
    const logger = resolved.superuserConfig.logger
    this.#context = Object.freeze({
      store,
      keys: new DerivedKeys(resolved.key),
      collection: resolved.collection,
      now: resolved.now,
      logger,
      maxFailures: TOTP_DEFAULTS.maxFailures,
      failureWindowMs: TOTP_DEFAULTS.failureWindowMs,
      mfaTtlMs: TOTP_DEFAULTS.mfaTtlMs,
      pendingTtlMs: TOTP_DEFAULTS.pendingTtlMs,
      recoveryCodeCount: TOTP_DEFAULTS.recoveryCodes,
      issuer: resolved.issuer,
      gateSecret: resolved.gateSecret,
      load: (recordId: string) => store.load(recordId),
    })
    this.#installContext = {
      superuser,
      collection: resolved.collection,
      claimsCollection: resolved.claimsCollection,
      gateSecret: resolved.gateSecret,
      logger,
    }
  }

  /** The auth collection this instance serves. @returns its name */
  get collection(): string {
    return this.#context.collection
  }

  /**
   * Adds the hidden TOTP fields and the claims collection, and ANDs the gate with the collection's `authRule`.
   * Idempotent: a second call changes nothing. With automigrate on (PocketBase's default outside `--dev=false`
   * setups), the rule, gate secret included, is written into a migration file.
   *
   * @param options - `invalidateAllTokens: true` allows the rule change (PocketBase then invalidates every token
   * of the collection); see {@link InstallOptions}
   * @returns what changed
   * @throws {ConfigError} `config_invalid` when the rule must change without `invalidateAllTokens: true` (nothing
   * is changed then), or the collection or a field has another shape.
   * @throws {AuthError} `not_found` (no such collection), `forbidden`, and the transport codes.
   * @example
   * ```ts
   * await totp.install({ invalidateAllTokens: true })
   * ```
   */
  install(options?: InstallOptions): Promise<InstallResult> {
    return install(this.#installContext, options)
  }

  /**
   * Starts enrolling a user: a new secret waits, sealed, in the record until `confirmEnrollment`.
   *
   * @param recordId - the user's record id
   * @param options - see {@link BeginEnrollmentOptions}
   * @returns `secret`, `uri` and `qrSvg` to show once, and `expiresAt` (15 minutes)
   * @throws {AuthError} `forbidden` (TOTP already on), `not_found` (no such record), `config_invalid`.
   * @example
   * ```ts
   * const { qrSvg } = await totp.beginEnrollment(recordId)
   * ```
   */
  async beginEnrollment(recordId: string, options?: BeginEnrollmentOptions): Promise<BeginEnrollmentResult> {
    checkArguments('beginEnrollment', recordId)
    return enrollment.beginEnrollment(this.#context, await this.#context.load(recordId), options)
  }

  /**
   * Confirms an enrollment with a code from the app: TOTP is on from now, the gate applies to the user, and by
   * default every older token of the user is revoked (the user signs in again, through `signIn`).
   *
   * @param recordId - the user's record id
   * @param code - a code from the app
   * @param options - see {@link ConfirmEnrollmentOptions}
   * @returns ten single-use recovery codes, to show once
   * @throws {AuthError} `otp_invalid`, `rate_limited`, `not_found` (no enrollment waits), `forbidden` (already
   * on), `config_invalid`.
   * @example
   * ```ts
   * const { recoveryCodes } = await totp.confirmEnrollment(recordId, '123456')
   * ```
   */
  async confirmEnrollment(
    recordId: string,
    code: string,
    options?: ConfirmEnrollmentOptions,
  ): Promise<ConfirmEnrollmentResult> {
    checkArguments('confirmEnrollment', recordId, code)
    return enrollment.confirmEnrollment(this.#context, await this.#context.load(recordId), code, options)
  }

  /**
   * Checks a TOTP code or a recovery code: one step either way, each step at most once per user, recovery codes
   * once, at most 5 wrong codes per user in 5 minutes (shared by every process through PocketBase).
   *
   * @param recordId - the user's record id
   * @param code - six digits, or a recovery code
   * @returns which kind of code was accepted and the recovery codes left
   * @throws {AuthError} `otp_invalid` (wrong, reused or malformed), `rate_limited` (with `retryAfterMs`),
   * `not_found` (TOTP not on), `config_invalid`.
   * @example
   * ```ts
   * await totp.verify(recordId, '123456')
   * ```
   */
  async verify(recordId: string, code: string): Promise<TotpVerifyResult> {
    checkArguments('verify', recordId, code)
    const stored = await this.#context.load(recordId)
    const secret = await enrollment.activeSecret(this.#context, stored)
    return checkCode(this.#context, { recordId, secret, recoveryHashes: stored.recoveryHashes }, code)
  }

  /**
   * Signs `auth` in with a first factor and a TOTP code. A user without TOTP is signed in by the first factor
   * alone. Without `code`, a user with TOTP gets `mfa_required` (`secondFactor: 'totp'`) with a sealed `mfaId`,
   * valid 5 minutes in any process holding the same key: finish with `signIn(auth, { mfaId, code })`.
   *
   * @param auth - a client of this collection; its session is set only once the code is accepted
   * @param input - `{ identity, password, code? }`, `{ otpId, otpCode, code? }`, `{ oauth2, code? }` or
   * `{ mfaId, code }`
   * @returns the session
   * @throws {AuthError} `mfa_required`, `otp_invalid`, `rate_limited`, `invalid_credentials`, `config_invalid`,
   * and the codes of the first factor's flow.
   * @example
   * ```ts
   * const session = await totp.signIn(auth, { identity: email, password, code })
   * ```
   */
  signIn(auth: AuthClient, input: TotpSignInInput): Promise<AuthSession> {
    checkSignInInput(input)
    return signIn(this.#context, auth, input)
  }

  /**
   * Turns TOTP off for a user who proves possession with a code or a recovery code.
   *
   * @param recordId - the user's record id
   * @param codeOrRecoveryCode - a TOTP code or an unused recovery code
   * @returns which kind of code was accepted
   * @throws {AuthError} `otp_invalid`, `rate_limited`, `not_found` (TOTP not on), `config_invalid`.
   * @example
   * ```ts
   * await totp.disable(recordId, '123456')
   * ```
   */
  async disable(recordId: string, codeOrRecoveryCode: string): Promise<TotpVerifyResult> {
    checkArguments('disable', recordId, codeOrRecoveryCode)
    return enrollment.disable(this.#context, await this.#context.load(recordId), codeOrRecoveryCode)
  }

  /**
   * Removes TOTP without a code, for a user who lost the device and the recovery codes: a superuser action,
   * logged (`warn`, with the record id). Verify the person another way first.
   *
   * @param recordId - the user's record id
   * @throws {AuthError} `not_found` (no such record), `config_invalid`.
   * @example
   * ```ts
   * await totp.reset(recordId)
   * ```
   */
  async reset(recordId: string): Promise<void> {
    checkArguments('reset', recordId)
    await enrollment.reset(this.#context, recordId)
  }

  /**
   * Whether TOTP is on or pending for a user, and the recovery codes left.
   *
   * @param recordId - the user's record id
   * @returns the status
   * @throws {AuthError} `not_found` (no such record), `config_invalid`.
   * @example
   * ```ts
   * const { enabled, recoveryCodesLeft } = await totp.status(recordId)
   * ```
   */
  async status(recordId: string): Promise<TotpStatus> {
    checkArguments('status', recordId)
    return enrollment.status(this.#context, await this.#context.load(recordId))
  }
}

function checkArguments(method: string, recordId: unknown, ...code: unknown[]): void {
  const issues = []
  if (typeof recordId !== 'string' || !RECORD_ID.test(recordId)) {
    issues.push({ path: 'recordId', message: 'must be a record id (letters, digits, _ and -)' })
  }
  if (code.length > 0 && (typeof code[0] !== 'string' || code[0].trim() === '')) {
    issues.push({ path: 'code', message: 'must be a non-empty string' })
  }
  if (issues.length > 0) throw new ConfigError(issues, `Invalid arguments to totp.${method}`)
}

function checkSignInInput(input: unknown): void {
  const record = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : undefined
  const issues = []
  if (record === undefined) issues.push({ path: 'input', message: 'must be an object' })
  else {
    const kinds = ['identity', 'otpId', 'oauth2', 'mfaId'].filter((key) => key in record)
    if (kinds.length !== 1) {
      issues.push({ path: 'input', message: 'must have exactly one of identity, otpId, oauth2 or mfaId' })
    }
    const code = record['code']
    const needsCode = 'mfaId' in record
    if ((needsCode || code !== undefined) && (typeof code !== 'string' || code.trim() === '')) {
      issues.push({ path: 'input.code', message: 'must be a non-empty string' })
    }
    if ('mfaId' in record && (typeof record['mfaId'] !== 'string' || record['mfaId'] === '')) {
      issues.push({ path: 'input.mfaId', message: 'must be a non-empty string' })
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to totp.signIn')
}

/**
 * Creates the TOTP helper for one auth collection. Checks its options at once: the key (32 bytes), the gate
 * secret (32+ URL-safe characters) and the superuser client.
 *
 * @param options - see {@link TotpOptions}
 * @returns the helper
 * @throws {ConfigError} `config_invalid` naming each bad option (never its value).
 * @example
 * ```ts
 * const totp = createTotp({ superuser, collection: 'users', issuer: 'Acme', key: process.env.POCKETBASE_TOTP_KEY })
 * ```
 */
export function createTotp(options: TotpOptions): Totp {
  return new Totp(options)
}
