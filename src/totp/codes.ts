/**
 * The codes themselves: TOTP secrets, `otpauth://` URIs, QR codes, code checks (otplib, RFC 6238: SHA-1,
 * 6 digits, 30-second steps, the step before and after accepted) and recovery codes.
 * @module
 */
import { generateSecret, generateURI, verify as verifyOtp } from 'otplib'
import { renderSVG } from 'uqr'

/** RFC 6238 parameters every authenticator app understands. */
export const TOTP_PERIOD_SECONDS = 30
const TOTP_DIGITS = 6

/** What a submitted code looks like, before any check. */
export type CodeShape =
  | { readonly kind: 'totp'; readonly code: string }
  | { readonly kind: 'recovery'; readonly code: string }
  | { readonly kind: 'malformed' }

/**
 * Recovery codes: 16 characters of a 31-letter alphabet without look-alikes (79 bits), shown as
 * `xxxx-xxxx-xxxx-xxxx`.
 */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
const RECOVERY_LENGTH = 16

/**
 * A new random TOTP secret: 20 bytes (160 bits, RFC 4226's recommendation), base32.
 *
 * @returns the base32 secret
 */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 })
}

/**
 * The `otpauth://totp/...` URI an authenticator app scans.
 *
 * @param issuer - the app's name
 * @param label - the account, e.g. an email
 * @param secret - the base32 secret
 * @returns the URI
 */
export function otpauthUri(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS })
}

/**
 * The URI as an SVG QR code (uqr; error correction M, a 4-module quiet zone).
 *
 * @param uri - the `otpauth://` URI
 * @returns an `<svg>` document
 */
export function qrSvg(uri: string): string {
  return renderSVG(uri, { ecc: 'M', border: 4 })
}

/**
 * Tells a TOTP code (6 digits) from a recovery code (16 letters and digits; spaces, dashes and case ignored).
 *
 * @param input - what the user typed
 * @returns the normalised code and its kind
 */
export function shapeOf(input: string): CodeShape {
  const compact = input.replace(/[\s-]/g, '').toLowerCase()
  if (/^\d{6}$/.test(compact)) return { kind: 'totp', code: compact }
  if (compact.length === RECOVERY_LENGTH && [...compact].every((char) => RECOVERY_ALPHABET.includes(char))) {
    return { kind: 'recovery', code: compact }
  }
  return { kind: 'malformed' }
}

/**
 * Checks a TOTP code at `nowMs`, one step either way, refusing steps at or before `afterStep`.
 *
 * @param secret - the base32 secret
 * @param code - six digits
 * @param nowMs - the clock
 * @param afterStep - the last accepted step, if any: it and every earlier step are refused
 * @returns the time step the code belongs to, or `undefined` when it does not match
 */
export async function matchingStep(
  secret: string,
  code: string,
  nowMs: number,
  afterStep: number | undefined,
): Promise<number | undefined> {
  const result = await verifyOtp({
    secret,
    token: code,
    epoch: Math.floor(nowMs / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
    period: TOTP_PERIOD_SECONDS,
    digits: TOTP_DIGITS,
    ...(afterStep === undefined ? {} : { afterTimeStep: afterStep }),
  })
  return result.valid && 'timeStep' in result ? result.timeStep : undefined
}

/**
 * The time step of a moment.
 *
 * @param nowMs - epoch milliseconds
 * @returns `floor(seconds / 30)`
 */
export function stepAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS)
}

/**
 * New random recovery codes, for display (`xxxx-xxxx-xxxx-xxxx`).
 *
 * @param count - how many
 * @returns the codes; `shapeOf` turns each back into its normalised form
 */
export function newRecoveryCodes(count: number): string[] {
  return Array.from({ length: count }, () => randomChars(RECOVERY_LENGTH).replace(/(.{4})(?!$)/g, '$1-'))
}

/** `length` uniformly random letters of the recovery alphabet (bytes of 248 and up are drawn again). */
function randomChars(length: number): string {
  let chars = ''
  while (chars.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < 248 && chars.length < length)
        chars += RECOVERY_ALPHABET.charAt(byte % RECOVERY_ALPHABET.length)
    }
  }
  return chars
}
