/**
 * `totp.signIn`: a first factor (password, OTP or OAuth2) sent through the gate, then the TOTP code, and only
 * then a session. Everything runs inside the client's sign-in runner (`runSignIn`), so a later sign-in or a
 * `logout()` still wins, and the session is stored and announced only when the code was accepted.
 * @module
 */
import {
  clientConfig,
  oauth2CodeSignIn,
  otpSignIn,
  passwordSignIn,
  refreshRequest,
  runSignIn,
  type ReceivedAuth,
  type ResolvedConfig,
} from '../kit.js'
import {
  AbortedError,
  ConfigError,
  InvalidCredentialsError,
  MfaRequiredError,
  type AuthClient,
  type AuthSession,
  type FirstFactor,
} from '../index.js'
import { activeSecret } from './enrollment.js'
import { open, seal, stringClaim } from './sealing.js'
import type { StoredTotp } from './store.js'
import { checkCode, type VerifyContext } from './verify.js'

/** The OAuth2 code exchange of a first factor (the low-level form of `authWithOAuth2Code`). */
export interface TotpOAuth2FirstFactor {
  readonly provider: string
  /** The authorization code from the callback. */
  readonly code: string
  /** The PKCE verifier of the attempt (from `listAuthMethods()` or your state store). */
  readonly codeVerifier: string
  readonly redirectUrl: string
  readonly createData?: Record<string, unknown>
}

/** What `signIn` takes: a first factor with an optional TOTP `code`, or a sealed `mfaId` with the code. */
export type TotpSignInInput =
  | {
      readonly identity: string
      readonly password: string
      readonly code?: string
      readonly signal?: AbortSignal
    }
  | {
      readonly otpId: string
      readonly otpCode: string
      readonly code?: string
      readonly signal?: AbortSignal
    }
  | { readonly oauth2: TotpOAuth2FirstFactor; readonly code?: string; readonly signal?: AbortSignal }
  | { readonly mfaId: string; readonly code: string; readonly signal?: AbortSignal }

/** What signing in needs from the TOTP instance. */
export interface SignInContext extends VerifyContext {
  readonly gateSecret: string
  readonly load: (recordId: string) => Promise<StoredTotp>
}

/**
 * Signs `auth` in with TOTP as the second factor.
 *
 * @param context - the TOTP instance's parts
 * @param auth - a client of the TOTP collection
 * @param input - see {@link TotpSignInInput}
 * @returns the session, stored in `auth` and announced with `signedIn`
 * @throws {MfaRequiredError} `mfa_required` with `secondFactor: 'totp'` and a sealed `mfaId` (5 minutes) when
 * the user has TOTP and no `code` was given.
 * @throws {InvalidCredentialsError} `invalid_credentials` for a wrong first factor, or (reason
 * `mfa_session_invalid`) an `mfaId` that is expired, already used, forged, or of another collection.
 * @throws {AuthError} `otp_invalid`, `rate_limited` (the TOTP code), `config_invalid`, and every code of the
 * first factor's flow.
 */
export async function signIn(
  context: SignInContext,
  auth: AuthClient,
  input: TotpSignInInput,
): Promise<AuthSession> {
  const config = clientConfig(auth, 'totp.signIn')
  if (config.collection !== context.collection) {
    throw new ConfigError(
      [{ path: 'auth', message: `must be a client of the "${context.collection}" collection` }],
      'Invalid arguments to totp.signIn',
    )
  }
  // Only this backend knows the gate: the first factor carries it whatever the client was created with.
  const gated: ResolvedConfig = { ...config, gateSecret: context.gateSecret }
  if ('mfaId' in input) return finish(context, auth, gated, input)
  const factor: FirstFactor = 'identity' in input ? 'password' : 'otpId' in input ? 'otp' : 'oauth2'
  return runSignIn(auth, factor, (_config, isCurrent) => {
    const first = firstFactor(gated, input)
    return first.then((received) => {
      // A later sign-in or logout() came while the first factor ran: do not spend the TOTP code on it.
      if (!isCurrent()) throw new AbortedError('totp.signIn: superseded by a later sign-in or logout()')
      return secondFactor(context, received, factor, input.code)
    })
  })
}

function firstFactor(
  config: ResolvedConfig,
  input: Exclude<TotpSignInInput, { mfaId: string }>,
): Promise<ReceivedAuth> {
  const options = input.signal === undefined ? undefined : { signal: input.signal }
  if ('identity' in input)
    return passwordSignIn(config, config.collection, input.identity, input.password, options)
  if ('otpId' in input) return otpSignIn(config, config.collection, input.otpId, input.otpCode, options)
  return oauth2CodeSignIn(config, config.collection, { ...input.oauth2, options })
}

async function secondFactor(
  context: SignInContext,
  received: ReceivedAuth,
  factor: FirstFactor,
  code: string | undefined,
): Promise<ReceivedAuth> {
  const recordId = received.body.record.id
  const stored = await context.load(recordId)
  if (stored.secret === '') return received
  if (code === undefined) {
    const at = context.now()
    const binding = { collection: context.collection, recordId }
    const claims = { tok: received.body.token, fac: factor, jti: crypto.randomUUID() }
    const mfaId = await seal(context.keys, 'mfa', binding, claims, at, context.mfaTtlMs)
    throw new MfaRequiredError(mfaId, factor, at + context.mfaTtlMs, { secondFactor: 'totp' })
  }
  const secret = await activeSecret(context, stored)
  await checkCode(context, { recordId, secret, recoveryHashes: stored.recoveryHashes }, code)
  return received
}

async function finish(
  context: SignInContext,
  auth: AuthClient,
  gated: ResolvedConfig,
  input: Extract<TotpSignInInput, { mfaId: string }>,
): Promise<AuthSession> {
  const opened = await open(context.keys, 'mfa', input.mfaId, context.now(), {
    collection: context.collection,
  })
  const claims = 'claims' in opened ? opened.claims : undefined
  const token = claims === undefined ? undefined : stringClaim(claims, 'tok')
  const recordId = claims === undefined ? undefined : stringClaim(claims, 'rid')
  const nonce = claims === undefined ? undefined : stringClaim(claims, 'jti')
  const factor = claims === undefined ? undefined : stringClaim(claims, 'fac')
  if (token === undefined || recordId === undefined || nonce === undefined || !isFactor(factor)) {
    throw sessionInvalid(
      context,
      'failure' in opened && opened.failure === 'expired' ? 'expired' : 'not valid',
    )
  }
  return runSignIn(auth, factor, async () => {
    const stored = await context.load(recordId)
    const secret = await activeSecret(context, stored)
    await checkCode(context, { recordId, secret, recoveryHashes: stored.recoveryHashes }, input.code)
    if ((await context.store.claim(recordId, `mfa:${nonce}`, context.now())) === undefined) {
      throw sessionInvalid(context, 'already used')
    }
    // A fresh token and record (as the user sees it) for the sealed one.
    const signal = input.signal === undefined ? undefined : { signal: input.signal }
    return refreshRequest(gated, context.collection, token, signal)
  })
}

function isFactor(value: string | undefined): value is FirstFactor {
  return value === 'password' || value === 'otp' || value === 'oauth2'
}

function sessionInvalid(context: SignInContext, why: string): InvalidCredentialsError {
  return new InvalidCredentialsError(
    `totp.signIn: the mfaId is ${why} for collection ${context.collection}; sign in again with the first factor`,
    'mfa_session_invalid',
  )
}
