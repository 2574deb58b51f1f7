import { ConfigError, type ConfigIssue } from './errors/config-error.js'
import { silentLogger, type Logger } from './logger.js'
import { hasMethods, isObject } from './narrow.js'
import type { SessionShare } from './session/session-share.js'
import type { TokenStore } from './session/token-store.js'
import type { PasswordCredentials } from './session/types.js'

/** Largest delay `setTimeout` accepts (2^31-1 ms, about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647

/** Every default, in one place. */
export const DEFAULTS = Object.freeze({
  collection: 'users',
  autoRefresh: true,
  refreshSkewSeconds: 300,
  timeoutMs: 30_000,
  maxClockSkewSeconds: 3_600,
  /** How long a `startOAuth2()` state (and its PKCE verifier) stays usable. */
  oauth2StateTtlMs: 10 * 60_000,
})

/** Options of `createAuthClient()`. Validated once, at construction. */
export interface AuthClientOptions {
  /** Base URL of the PocketBase server, e.g. `http://127.0.0.1:8090`. Required. */
  url: string
  /** Auth collection to sign in to. @default 'users' */
  collection?: string
  /** Refresh the token in the background before it expires. @default true */
  autoRefresh?: boolean
  /**
   * Refresh when less than this many seconds of the token's life is left (capped at 20% of its lifetime). The
   * background timer refreshes up to a quarter of this earlier, at a moment of its own, so that calls do not
   * wait for it and clients do not refresh in step.
   * @default 300
   */
  refreshSkewSeconds?: number
  /** Per-request timeout in milliseconds, body included. @default 30000 */
  timeoutMs?: number
  /**
   * The largest difference between the server's `Date` header and the local clock that the client corrects
   * token expiries for, in seconds. A larger one (a proxy that lies about the date) is ignored with one warning,
   * and expiries are read on the local clock. @default 3600
   */
  maxClockSkewSeconds?: number
  /**
   * Called to sign in again, unattended, when there is no session or the token can no longer be refreshed.
   * The client never keeps the password: it asks each time. @default undefined
   */
  credentials?: () => Promise<PasswordCredentials> | PasswordCredentials
  /** `fetch` to use; looked up on every request. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number
  /** Receives what the client does; never secrets. @default a silent logger */
  logger?: Logger
  /** `User-Agent` header to send (ignored by browsers). @default undefined */
  userAgent?: string
  /** Where the session lives. @default createMemoryTokenStore() */
  store?: TokenStore
  /**
   * The secret of a collection's `authRule` gate (see `pocketbase-auth/totp`): sent as the
   * `X-PocketBase-Auth-Gate` header on auth-with-* and auth-refresh requests only, never logged. At least 32
   * characters of `A-Z a-z 0-9 _ -`. @default undefined (no header)
   */
  gateSecret?: string
  /**
   * A session shared with other processes of the same identity (`createRedisSessionShare` from
   * `pocketbase-auth/redis`): they sign in once, refresh once and re-sign-in once for all. @default undefined
   */
  share?: SessionShare
}

/** `AuthClientOptions` after validation and defaults: nothing optional but what is truly optional. */
export interface ResolvedConfig {
  readonly url: string
  readonly collection: string
  readonly autoRefresh: boolean
  readonly refreshSkewSeconds: number
  readonly timeoutMs: number
  readonly maxClockSkewSeconds: number
  readonly credentials: AuthClientOptions['credentials'] | undefined
  readonly fetch: typeof globalThis.fetch | undefined
  readonly now: () => number
  readonly logger: Logger
  readonly userAgent: string | undefined
  readonly gateSecret: string | undefined
  readonly share: SessionShare | undefined
}

/** Checks one option's value: what is wrong with it (never quoting it), or `undefined` when it is fine. */
export type OptionCheck = (value: unknown) => string | undefined

/**
 * Lets an optional option be absent.
 *
 * @param check - the check for a present value
 * @returns a check that accepts `undefined` and otherwise runs `check`
 */
export const ifDefined =
  (check: OptionCheck): OptionCheck =>
  (value) =>
    value === undefined ? undefined : check(value)

/**
 * What is wrong with a base URL, never quoting it: it must be an absolute http(s) URL without query, fragment
 * or credentials (`user:pass@` would end up in every error message and log line that names the URL).
 *
 * @param value - the URL to check
 * @returns the problem, or `undefined` when the URL is fine
 */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute http(s) URL without query or fragment'
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    return 'must be an absolute http(s) URL without query or fragment'
  }
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials (user:password@); PocketBase takes them through a sign-in'
  }
  return undefined
}

/**
 * A number in `[min, max]`.
 *
 * @param min - the smallest value allowed
 * @param max - the largest value allowed
 * @param whole - whether it must be a whole number
 * @returns the check
 */
export const numberIn =
  (min: number, max: number, whole: boolean): OptionCheck =>
  (value) => {
    if (typeof value !== 'number' || Number.isNaN(value)) return 'must be a number'
    if (value < min || value > max) return `must be between ${min} and ${max}`
    return whole && !Number.isInteger(value) ? 'must be a whole number' : undefined
  }

const typed =
  (type: 'boolean' | 'string' | 'function', what: string): OptionCheck =>
  (value) =>
    typeof value === type ? undefined : `must be ${what}`

/**
 * Reads an injected clock once, so a `now` that returns no usable time (NaN, a string) fails at construction
 * instead of making every timer computation NaN (which fires a 1 ms timer over and over).
 */
const checkClock: OptionCheck = (now) => {
  if (typeof now !== 'function') return 'must be a function returning epoch milliseconds'
  try {
    const sample: unknown = now()
    return Number.isFinite(sample) ? undefined : 'must return epoch milliseconds as a finite number'
  } catch {
    return 'threw when called'
  }
}

/** One check per option; an option not listed here is unknown. */
const OPTION_CHECKS: Readonly<Record<keyof AuthClientOptions, OptionCheck>> = {
  url: (value) => {
    if (value === undefined) return 'is required'
    if (typeof value !== 'string') return 'must be a string'
    return baseUrlProblem(value)
  },
  collection: ifDefined((value) =>
    typeof value === 'string' && value.length > 0 && value.length <= 255
      ? undefined
      : 'must be a collection name (1 to 255 characters)',
  ),
  autoRefresh: ifDefined(typed('boolean', 'a boolean')),
  // The largest whole number of seconds a timer can wait.
  refreshSkewSeconds: ifDefined(numberIn(0, 2_147_483, false)),
  timeoutMs: ifDefined(numberIn(1, MAX_TIMER_DELAY_MS, true)),
  // Up to a year either way: past that no clock is "skewed", it is wrong.
  maxClockSkewSeconds: ifDefined(numberIn(0, 31_536_000, false)),
  credentials: ifDefined(typed('function', 'a function returning { identity, password }')),
  fetch: ifDefined(typed('function', 'a fetch function')),
  now: ifDefined(checkClock),
  logger: ifDefined((value) =>
    hasMethods(value, ['debug', 'info', 'warn', 'error'])
      ? undefined
      : 'must have debug, info, warn and error functions',
  ),
  userAgent: ifDefined(typed('string', 'a string')),
  gateSecret: ifDefined((value) =>
    typeof value === 'string' && /^[\w-]{32,}$/.test(value)
      ? undefined
      : 'must be at least 32 characters of A-Z, a-z, 0-9, _ and -',
  ),
  share: ifDefined((value) =>
    hasMethods(value, ['load', 'lock', 'publish', 'watch'])
      ? undefined
      : 'must be a session share (load, lock, publish and watch functions)',
  ),
  store: ifDefined((value) =>
    hasMethods(value, ['get', 'set', 'clear']) ? undefined : 'must have get, set and clear functions',
  ),
}

/**
 * Every problem with an options object, by option name; never quotes a value.
 *
 * @param options - the options, not yet checked
 * @param checks - one check per option; an option not listed is unknown
 * @returns the issues, empty when every option is fine
 */
export function checkOptions(options: unknown, checks: Readonly<Record<string, OptionCheck>>): ConfigIssue[] {
  if (!isObject(options)) return [{ path: '(options)', message: 'must be an object' }]
  const issues: ConfigIssue[] = []
  for (const [name, check] of Object.entries(checks)) {
    const message = check(options[name])
    if (message !== undefined) issues.push({ path: name, message })
  }
  const unknown = Object.keys(options).filter((name) => !Object.hasOwn(checks, name))
  if (unknown.length > 0) issues.push({ path: unknown.join(', '), message: 'unknown option' })
  return issues
}

/**
 * Validates client options and applies `DEFAULTS`.
 *
 * @param options - the `createAuthClient()` options, not yet checked
 * @returns the frozen config, with defaults applied and trailing slashes removed from `url`
 * @throws {ConfigError} `config_invalid`, listing every bad option by name.
 */
export function resolveConfig(options: unknown): ResolvedConfig & { store: TokenStore | undefined } {
  const issues = checkOptions(options, OPTION_CHECKS)
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid AuthClient options')
  const o = options as AuthClientOptions
  return Object.freeze({
    url: o.url.replace(/\/+$/, ''),
    collection: o.collection ?? DEFAULTS.collection,
    autoRefresh: o.autoRefresh ?? DEFAULTS.autoRefresh,
    refreshSkewSeconds: o.refreshSkewSeconds ?? DEFAULTS.refreshSkewSeconds,
    timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs,
    maxClockSkewSeconds: o.maxClockSkewSeconds ?? DEFAULTS.maxClockSkewSeconds,
    credentials: o.credentials,
    fetch: o.fetch,
    now: o.now ?? Date.now,
    logger: o.logger ?? silentLogger,
    userAgent: o.userAgent,
    gateSecret: o.gateSecret,
    share: o.share,
    store: o.store,
  })
}

/**
 * Options for a child client (impersonation) that shares this client's connection settings, clock, logger and
 * gate secret, but not its `credentials` (a child never signs in by itself) nor its `store` (nor its session).
 *
 * @param config - the parent client's resolved config
 * @param collection - the child's auth collection
 * @returns options for the child's `AuthClient`
 */
export function childOptions(config: ResolvedConfig, collection: string): AuthClientOptions {
  return {
    url: config.url,
    collection,
    autoRefresh: config.autoRefresh,
    refreshSkewSeconds: config.refreshSkewSeconds,
    timeoutMs: config.timeoutMs,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    now: config.now,
    logger: config.logger,
    ...(config.fetch === undefined ? {} : { fetch: config.fetch }),
    ...(config.userAgent === undefined ? {} : { userAgent: config.userAgent }),
    ...(config.gateSecret === undefined ? {} : { gateSecret: config.gateSecret }),
  }
}
