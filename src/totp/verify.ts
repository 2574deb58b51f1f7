/**
 * Checking a code for a record, with its failure limit and replay protection, both kept in PocketBase (claims)
 * so every process shares them:
 *
 * - **Failure limit**: a record has `maxFailures` slots (`slot:0`…). An attempt first claims a free slot, or one
 *   whose last failure is older than the window; a success gives its slot back, a failure keeps it for the whole
 *   window. So any window holds at most `maxFailures` failures, however many processes guess at once; when every
 *   slot holds a recent failure the answer is `rate_limited` with `retryAfterMs` until the oldest frees.
 * - **Replay**: an accepted code claims `step:<time step>`; only one caller can, and later steps only are
 *   accepted after it. A recovery code claims `rc:<its HMAC>`, once.
 * @module
 */
import { OTPInvalidError, RateLimitedError, type Logger } from '../index.js'
import { matchingStep, shapeOf, stepAt } from './codes.js'
import type { DerivedKeys } from './keys.js'
import type { Claim, TotpStore } from './store.js'

/** What `verify` reports about an accepted code. */
export interface TotpVerifyResult {
  /** Which kind of code was accepted. */
  readonly method: 'totp' | 'recovery_code'
  /** Unused recovery codes left after this one. */
  readonly recoveryCodesLeft: number
}

/** Everything a check needs. */
export interface VerifyContext {
  readonly store: TotpStore
  readonly keys: DerivedKeys
  readonly collection: string
  readonly now: () => number
  readonly logger: Logger
  readonly maxFailures: number
  readonly failureWindowMs: number
  /** Claims older than this (`mfa:` ones) can be pruned. */
  readonly mfaTtlMs: number
}

/** The secret and recovery codes a code is checked against. */
export interface CodeTarget {
  readonly recordId: string
  /** The base32 TOTP secret. */
  readonly secret: string
  /** Recovery-code HMACs; empty to refuse recovery codes (enrollment). */
  readonly recoveryHashes: readonly string[]
}

const STEP = 'step:'
const SLOT = 'slot:'
const RECOVERY = 'rc:'

/**
 * Checks `code` against `target` within the record's failure limit.
 *
 * @param context - the store, keys, clock and limits
 * @param target - the record's secret and recovery codes
 * @param code - what the user typed
 * @returns which code was accepted and how many recovery codes are left
 * @throws {RateLimitedError} `rate_limited` (with `retryAfterMs`) when the record's failure slots are full.
 * @throws {OTPInvalidError} `otp_invalid` for a wrong, malformed, reused or too old code.
 */
export async function checkCode(
  context: VerifyContext,
  target: CodeTarget,
  code: string,
): Promise<TotpVerifyResult> {
  const { store, now } = context
  const at = now()
  const claims = await store.claimsOf(target.recordId)
  const slot = await takeSlot(context, target.recordId, claims, at)
  const result = await accept(context, target, code, claims, at)
  if (result === undefined) {
    context.logger.info('TOTP code refused', { collection: context.collection, recordId: target.recordId })
    throw new OTPInvalidError(
      `TOTP: the code for record ${target.recordId} of ${context.collection} is wrong, expired or already used`,
    )
  }
  // The code is accepted and claimed; freeing its slot and pruning may fail without changing that.
  await quietly(context, 'free the attempt slot', () => store.release(slot.id))
  await quietly(context, 'prune old claims', () => prune(context, target.recordId, claims, at))
  return result
}

async function quietly(context: VerifyContext, what: string, task: () => Promise<unknown>): Promise<void> {
  try {
    await task()
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code
    context.logger.warn(`TOTP: could not ${what}`, { collection: context.collection, code: String(code) })
  }
}

async function accept(
  context: VerifyContext,
  target: CodeTarget,
  code: string,
  claims: readonly Claim[],
  at: number,
): Promise<TotpVerifyResult | undefined> {
  const { store } = context
  const shape = shapeOf(code)
  const usedRecovery = (hash: string): boolean => claims.some((claim) => claim.key === recoveryKey(hash))
  const left = (except?: string): number =>
    target.recoveryHashes.filter((hash) => hash !== except && !usedRecovery(hash)).length
  if (shape.kind === 'totp') {
    const step = await matchingStep(target.secret, shape.code, at, lastStep(claims))
    if (step === undefined || (await store.claim(target.recordId, `${STEP}${step}`, at)) === undefined) {
      return undefined
    }
    return { method: 'totp', recoveryCodesLeft: left() }
  }
  if (shape.kind === 'recovery' && target.recoveryHashes.length > 0) {
    const hash = await recoveryHash(context.keys, context.collection, target.recordId, shape.code)
    if (!target.recoveryHashes.includes(hash)) return undefined
    if ((await store.claim(target.recordId, recoveryKey(hash), at)) === undefined) return undefined
    return { method: 'recovery_code', recoveryCodesLeft: left(hash) }
  }
  return undefined
}

/**
 * The stored form of a recovery code: an HMAC bound to the collection and record.
 *
 * @param keys - the derived keys
 * @param collection - the TOTP collection
 * @param recordId - the record
 * @param normalised - the code as `shapeOf` returns it
 * @returns 64 hex characters
 */
export function recoveryHash(
  keys: DerivedKeys,
  collection: string,
  recordId: string,
  normalised: string,
): Promise<string> {
  return keys.hmacHex(`${collection}\n${recordId}\n${normalised}`)
}

const recoveryKey = (hash: string): string => `${RECOVERY}${hash.slice(0, 32)}`

function lastStep(claims: readonly Claim[]): number | undefined {
  const steps = claims
    .filter((claim) => claim.key.startsWith(STEP))
    .map((claim) => Number(claim.key.slice(STEP.length)))
  return steps.length === 0 ? undefined : Math.max(...steps)
}

async function takeSlot(
  context: VerifyContext,
  recordId: string,
  claims: readonly Claim[],
  at: number,
): Promise<Claim> {
  const { store, maxFailures, failureWindowMs } = context
  let known = claims
  for (let pass = 0; pass < 2; pass++) {
    const slots = new Map(
      known.filter((claim) => claim.key.startsWith(SLOT)).map((claim) => [claim.key, claim] as const),
    )
    for (let index = 0; index < maxFailures; index++) {
      const held = slots.get(`${SLOT}${index}`)
      if (held !== undefined && at - held.at < failureWindowMs) continue
      // An expired failure: whoever deletes it may reuse the slot; a caller that loses the delete moves on.
      if (held !== undefined && !(await store.release(held.id))) continue
      const mine = await store.claim(recordId, `${SLOT}${index}`, at)
      if (mine !== undefined) return mine
    }
    if (pass === 0) known = await store.claimsOf(recordId)
  }
  const oldest = Math.min(...known.filter((claim) => claim.key.startsWith(SLOT)).map((claim) => claim.at))
  const retryAfterMs = Math.max(1, Number.isFinite(oldest) ? oldest + failureWindowMs - at : failureWindowMs)
  context.logger.warn('TOTP attempts rate-limited', { collection: context.collection, recordId })
  throw new RateLimitedError(
    `TOTP: too many wrong codes for record ${recordId} of ${context.collection}; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    retryAfterMs,
  )
}

/** Drops claims nothing reads any more: steps older than the window (but the last one), expired `mfaId`s. */
async function prune(
  context: VerifyContext,
  recordId: string,
  claims: readonly Claim[],
  at: number,
): Promise<void> {
  const latest = lastStep(claims)
  const oldestUseful = stepAt(at) - 2
  const stale = claims.filter((claim) => {
    if (claim.key.startsWith(STEP)) {
      const step = Number(claim.key.slice(STEP.length))
      return step < oldestUseful && step !== latest
    }
    return claim.key.startsWith('mfa:') && at - claim.at > context.mfaTtlMs
  })
  for (const claim of stale) await context.store.release(claim.id)
}
