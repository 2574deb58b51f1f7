/**
 * The options of `createTokenVerifier`, their defaults, and their validation (once, at construction).
 * @module
 */
import { ConfigError, type ConfigIssue, type Logger } from '../index.js'
import {
  checkOptions,
  ifDefined,
  isObject,
  numberIn,
  resolveConfig,
  type OptionCheck,
  type ResolvedConfig,
} from '../kit.js'

/** Options of `createTokenVerifier()`. Validated once, at construction. */
export interface TokenVerifierOptions {
  /** Base URL of the PocketBase server, e.g. `http://127.0.0.1:8090`. Required. */
  url: string
  /**
   * Auth collections whose tokens are accepted, by name (or id). `_superusers` tokens are refused unless it is
   * named here. @default ['users']
   */
  collections?: readonly string[]
  /**
   * How long a confirmed token is trusted without asking PocketBase again, in seconds; never past the token's
   * `exp`. This is the revocation window: a changed password, a deleted record or a new role is seen at most this
   * long after it happened. `0` asks PocketBase on every call (concurrent calls still share one request).
   * @default 30
   */
  cacheTtlSeconds?: number
  /** How many confirmed tokens are kept (least recently used first out); rejected ones have a map of the same size. @default 10000 */
  maxEntries?: number
  /**
   * How long a token PocketBase rejected (revoked, forbidden by the `authRule`, wrong collection) is answered from
   * memory, in seconds, so a flood of one bad token costs one request. Outages and rate limits are never remembered.
   * @default 10
   */
  rejectionTtlSeconds?: number
  /** The record field that holds the role (`VerifiedIdentity.role`). @default 'role' */
  roleField?: string
  /**
   * Clock tolerance, in seconds: a token whose `exp` passed less than this long ago (on this machine's clock) is
   * still sent to PocketBase, which decides. Older ones are refused locally with `token_expired`. @default 5
   */
  leewaySeconds?: number
  /** Time limit for each request to PocketBase, in milliseconds, body included. @default 5000 */
  timeoutMs?: number
  /**
   * The TOTP gate secret (see `pocketbase-auth/totp`), sent as `X-PocketBase-Auth-Gate` on auth-refresh: a
   * collection gated by TOTP refuses enrolled users' tokens without it. At least 32 characters of
   * `A-Z a-z 0-9 _ -`; never logged. @default the `POCKETBASE_TOTP_GATE` environment variable, when set
   */
  gateSecret?: string
  /** `fetch` to use; looked up on every request. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
  /** Receives what the verifier does (collection, record id, outcome); never a token. @default a silent logger */
  logger?: Logger
  /** `User-Agent` header to send. @default undefined */
  userAgent?: string
}

/** Every default of the verifier, in one place. */
export const VERIFIER_DEFAULTS = Object.freeze({
  collections: Object.freeze(['users']) as readonly string[],
  cacheTtlSeconds: 30,
  maxEntries: 10_000,
  rejectionTtlSeconds: 10,
  roleField: 'role',
  leewaySeconds: 5,
  timeoutMs: 5_000,
})

/** The environment variable read for `gateSecret` when the option is not given. */
export const GATE_SECRET_ENV = 'POCKETBASE_TOTP_GATE'

/** `TokenVerifierOptions` after validation and defaults. */
export interface ResolvedVerifierOptions {
  /** The connection settings, in the form the core's request function takes. */
  readonly config: ResolvedConfig
  /** Allowed collection names and ids. */
  readonly collections: ReadonlySet<string>
  readonly cacheTtlMs: number
  readonly maxEntries: number
  readonly rejectionTtlMs: number
  readonly roleField: string
  readonly leewayMs: number
}

const ONE_DAY_SECONDS = 86_400

const isName = (value: unknown): boolean => typeof value === 'string' && /^\w{1,255}$/.test(value)

/** Checks of the verifier's own options; the connection options are checked by the core's `resolveConfig`. */
const OWN_CHECKS: Readonly<Record<string, OptionCheck>> = {
  collections: ifDefined((value) =>
    Array.isArray(value) && value.length > 0 && value.every(isName)
      ? undefined
      : 'must be a non-empty array of collection names or ids (letters, digits and _)',
  ),
  cacheTtlSeconds: ifDefined(numberIn(0, ONE_DAY_SECONDS, false)),
  maxEntries: ifDefined(numberIn(1, 10_000_000, true)),
  rejectionTtlSeconds: ifDefined(numberIn(0, ONE_DAY_SECONDS, false)),
  roleField: ifDefined((value) =>
    isName(value) ? undefined : 'must be a field name (letters, digits and _)',
  ),
  leewaySeconds: ifDefined(numberIn(0, 3600, false)),
}

/** Options passed on to the core's `resolveConfig`. */
const CONNECTION_KEYS = ['url', 'timeoutMs', 'fetch', 'now', 'logger', 'userAgent', 'gateSecret'] as const

/**
 * Validates the verifier's options and applies the defaults.
 *
 * @param options - the options, not yet checked
 * @param env - where `POCKETBASE_TOTP_GATE` is read from when `gateSecret` is not given
 * @returns the resolved options
 * @throws {ConfigError} `config_invalid`, naming every bad option (or `POCKETBASE_TOTP_GATE`), never its value.
 */
export function resolveVerifierOptions(
  options: unknown,
  env: Readonly<Record<string, string | undefined>> = processEnv(),
): ResolvedVerifierOptions {
  const context = 'Invalid token verifier options'
  if (!isObject(options))
    throw new ConfigError([{ path: '(options)', message: 'must be an object' }], context)
  const passThrough = Object.fromEntries(CONNECTION_KEYS.map((key) => [key, () => undefined]))
  const issues: ConfigIssue[] = checkOptions(options, { ...OWN_CHECKS, ...passThrough })

  const envGate = env[GATE_SECRET_ENV]
  const gateFromEnv = options.gateSecret === undefined && envGate !== undefined && envGate !== ''
  const connection: Record<string, unknown> = { timeoutMs: VERIFIER_DEFAULTS.timeoutMs }
  for (const key of CONNECTION_KEYS) if (options[key] !== undefined) connection[key] = options[key]
  if (gateFromEnv) connection.gateSecret = envGate
  let config: ResolvedConfig | undefined
  try {
    config = resolveConfig(connection)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const issue of error.issues) {
      issues.push(gateFromEnv && issue.path === 'gateSecret' ? { ...issue, path: GATE_SECRET_ENV } : issue)
    }
  }
  if (issues.length > 0 || config === undefined) throw new ConfigError(issues, context)

  const o = options as Partial<TokenVerifierOptions>
  return Object.freeze({
    config,
    collections: new Set(o.collections ?? VERIFIER_DEFAULTS.collections),
    cacheTtlMs: (o.cacheTtlSeconds ?? VERIFIER_DEFAULTS.cacheTtlSeconds) * 1000,
    maxEntries: o.maxEntries ?? VERIFIER_DEFAULTS.maxEntries,
    rejectionTtlMs: (o.rejectionTtlSeconds ?? VERIFIER_DEFAULTS.rejectionTtlSeconds) * 1000,
    roleField: o.roleField ?? VERIFIER_DEFAULTS.roleField,
    leewayMs: (o.leewaySeconds ?? VERIFIER_DEFAULTS.leewaySeconds) * 1000,
  })
}

/** `process.env` where there is one (Node, Bun, Deno with Node compatibility); `{}` elsewhere. */
function processEnv(): Readonly<Record<string, string | undefined>> {
  const env = (globalThis as { process?: { env?: unknown } }).process?.env
  return isObject(env) ? (env as Record<string, string | undefined>) : {}
}
