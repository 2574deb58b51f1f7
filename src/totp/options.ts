import { checkOptions, clientConfig, ifDefined, type OptionCheck, type ResolvedConfig } from '../kit.js'
import { ConfigError, type AuthClient } from '../index.js'
import { parseKey } from './keys.js'

/** Every default of `createTotp`, in one place. */
export const TOTP_DEFAULTS = Object.freeze({
  collection: 'users',
  /** At most this many failed codes per record... */
  maxFailures: 5,
  /** ...within this window (a failure holds its slot this long). */
  failureWindowMs: 5 * 60_000,
  /** How long a sealed `mfaId` stays usable. */
  mfaTtlMs: 5 * 60_000,
  /** How long `beginEnrollment` waits for `confirmEnrollment`. */
  pendingTtlMs: 15 * 60_000,
  /** Recovery codes handed out by `confirmEnrollment`. */
  recoveryCodes: 10,
})

/** Options of `createTotp()`. Checked once, at construction. */
export interface TotpOptions {
  /** A `_superusers` client (e.g. from `createAuthClientFromEnv()`): every TOTP read and write goes through it. */
  superuser: AuthClient
  /** The auth collection whose users get TOTP. @default 'users' */
  collection?: string
  /** Shown by authenticator apps next to the account, e.g. your app's name. Required. */
  issuer: string
  /**
   * 32 random bytes, base64 or base64url (`openssl rand -base64 32`), that encrypt the TOTP secrets and seal
   * `mfaId`s. PocketBase never sees it. `undefined` (an unset variable) reads the environment.
   * @default process.env.POCKETBASE_TOTP_KEY
   */
  key?: string | undefined
  /**
   * The secret of the collection's `authRule` gate (32+ characters of `A-Z a-z 0-9 _ -`), sent on the first
   * factor of `signIn`. `undefined` reads the environment. @default process.env.POCKETBASE_TOTP_GATE
   */
  gateSecret?: string | undefined
  /**
   * The base collection that records used time steps, used recovery codes, used `mfaId`s and failed attempts
   * (one row each; a unique index makes every claim atomic across processes). Created by `install()`.
   * @default `${collection}_totp_claims`
   */
  claimsCollection?: string
  /** Clock in epoch milliseconds. @default the superuser client's clock */
  now?: () => number
}

/** `TotpOptions` after checks and defaults. */
export interface ResolvedTotpOptions {
  readonly superuser: AuthClient
  readonly superuserConfig: ResolvedConfig
  readonly collection: string
  readonly claimsCollection: string
  readonly issuer: string
  readonly key: Uint8Array<ArrayBuffer>
  readonly gateSecret: string
  readonly now: () => number
}

const GATE_SECRET = /^[\w-]{32,}$/
const COLLECTION_NAME = /^[A-Za-z_][\w]{0,99}$/

const name = (what: string): OptionCheck =>
  ifDefined((value) =>
    typeof value === 'string' && COLLECTION_NAME.test(value)
      ? undefined
      : `must be ${what} (letters, digits, _)`,
  )

const CHECKS: Readonly<Record<keyof TotpOptions, OptionCheck>> = {
  superuser: (value) => (value === undefined ? 'is required' : undefined),
  collection: name('a collection name'),
  claimsCollection: name('a collection name'),
  issuer: (value) =>
    typeof value === 'string' && value.trim() !== '' && value.length <= 100 && !value.includes(':')
      ? undefined
      : 'must be a non-empty name of at most 100 characters without ":"',
  // Checked below, with the environment fallback.
  key: () => undefined,
  gateSecret: () => undefined,
  now: ifDefined((value) => (typeof value === 'function' ? undefined : 'must be a function')),
}

/** `process.env[name]` where there is a `process` (Node, Bun, Deno's compat); `undefined` elsewhere. */
function fromEnv(variable: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const value = env?.[variable]
  return value === undefined || value === '' ? undefined : value
}

/**
 * Checks `createTotp` options, reading `key` and `gateSecret` from the environment when absent.
 *
 * @param options - the options, not yet checked
 * @returns the resolved options
 * @throws {ConfigError} `config_invalid` naming every bad option (never its value): a missing or malformed key
 * or gate secret, a `superuser` that is not a `_superusers` client.
 */
export function resolveTotpOptions(options: TotpOptions): ResolvedTotpOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError([{ path: '(options)', message: 'must be an object' }], 'Invalid createTotp options')
  }
  const issues = checkOptions(options, CHECKS)
  const o = options as Partial<TotpOptions> | undefined
  const keyText = o?.key ?? fromEnv('POCKETBASE_TOTP_KEY')
  const key = typeof keyText === 'string' ? parseKey(keyText) : undefined
  if (key === undefined) {
    issues.push({
      path: o?.key === undefined ? 'key (POCKETBASE_TOTP_KEY)' : 'key',
      message: 'must be 32 random bytes, base64 or base64url encoded (openssl rand -base64 32)',
    })
  }
  const gateSecret = o?.gateSecret ?? fromEnv('POCKETBASE_TOTP_GATE')
  if (typeof gateSecret !== 'string' || !GATE_SECRET.test(gateSecret)) {
    issues.push({
      path: o?.gateSecret === undefined ? 'gateSecret (POCKETBASE_TOTP_GATE)' : 'gateSecret',
      message: 'must be at least 32 characters of A-Z, a-z, 0-9, _ and -',
    })
  }
  let superuserConfig: ResolvedConfig | undefined
  if (o?.superuser !== undefined) {
    try {
      superuserConfig = clientConfig(o.superuser, 'createTotp')
      if (superuserConfig.collection !== '_superusers') {
        issues.push({ path: 'superuser', message: 'must be a client of the _superusers collection' })
      }
    } catch {
      issues.push({ path: 'superuser', message: 'must be a client from createAuthClient()' })
    }
  }
  if (issues.length > 0 || key === undefined || superuserConfig === undefined || gateSecret === undefined) {
    throw new ConfigError(issues, 'Invalid createTotp options')
  }
  const collection = options.collection ?? TOTP_DEFAULTS.collection
  return Object.freeze({
    superuser: options.superuser,
    superuserConfig,
    collection,
    claimsCollection: options.claimsCollection ?? `${collection}_totp_claims`,
    issuer: options.issuer.trim(),
    key,
    gateSecret,
    now: options.now ?? superuserConfig.now,
  })
}
