import * as z from 'zod/mini'
import { ConfigError, type ConfigIssue } from './errors/config-error.js'
import { silentLogger, type Logger } from './logger.js'
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
   * Refresh when less than this many seconds of the token's life is left (capped at 20% of its lifetime).
   * @default 300
   */
  refreshSkewSeconds?: number
  /** Per-request timeout in milliseconds, body included. @default 30000 */
  timeoutMs?: number
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
}

/** `AuthClientOptions` after validation and defaults: nothing optional but what is truly optional. */
export interface ResolvedConfig {
  readonly url: string
  readonly collection: string
  readonly autoRefresh: boolean
  readonly refreshSkewSeconds: number
  readonly timeoutMs: number
  readonly credentials: AuthClientOptions['credentials'] | undefined
  readonly fetch: typeof globalThis.fetch | undefined
  readonly now: () => number
  readonly logger: Logger
  readonly userAgent: string | undefined
}

const isFunction = (value: unknown): boolean => typeof value === 'function'
const fn = (what: string) => z.custom<(...args: never[]) => unknown>(isFunction, { error: `must be ${what}` })

const httpUrl = z.string().check(
  z.refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === ''
    } catch {
      return false
    }
  }, 'must be an absolute http(s) URL without query or fragment'),
)

const loggerSchema = z.custom<Logger>(
  (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    ['debug', 'info', 'warn', 'error'].every((level) =>
      isFunction((value as Record<string, unknown>)[level]),
    ),
  { error: 'must have debug, info, warn and error functions' },
)

const storeSchema = z.custom<TokenStore>(
  (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    ['get', 'set', 'clear'].every((method) => isFunction((value as Record<string, unknown>)[method])),
  { error: 'must have get, set and clear functions' },
)

const optionsSchema = z.strictObject({
  url: httpUrl,
  collection: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(255))),
  autoRefresh: z.optional(z.boolean()),
  refreshSkewSeconds: z.optional(z.number().check(z.gte(0), z.lte(MAX_TIMER_DELAY_MS / 1000))),
  timeoutMs: z.optional(z.int().check(z.gte(1), z.lte(MAX_TIMER_DELAY_MS))),
  credentials: z.optional(fn('a function returning { identity, password }')),
  fetch: z.optional(fn('a fetch function')),
  now: z.optional(fn('a function returning epoch milliseconds')),
  logger: z.optional(loggerSchema),
  userAgent: z.optional(z.string()),
  store: z.optional(storeSchema),
})

/** Turns zod issues into `ConfigIssue`s that name the option and never echo its value. */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(options)'
    if (issue.code === 'unrecognized_keys') {
      return { path: issue.keys.join(', '), message: 'unknown option' }
    }
    if (issue.code === 'invalid_type') {
      return { path, message: issue.input === undefined ? 'is required' : `must be ${issue.expected}` }
    }
    return { path, message: issue.message }
  })
}

/**
 * Validates client options and applies `DEFAULTS`.
 *
 * @throws {ConfigError} `config_invalid`, listing every bad option by name.
 */
export function resolveConfig(options: unknown): ResolvedConfig & { store: TokenStore | undefined } {
  const parsed = optionsSchema.safeParse(options)
  if (!parsed.success)
    throw new ConfigError(toConfigIssues(parsed.error.issues), 'Invalid AuthClient options')
  const o = parsed.data as AuthClientOptions
  if (o.now !== undefined) checkClock(o.now)
  return Object.freeze({
    url: o.url.replace(/\/+$/, ''),
    collection: o.collection ?? DEFAULTS.collection,
    autoRefresh: o.autoRefresh ?? DEFAULTS.autoRefresh,
    refreshSkewSeconds: o.refreshSkewSeconds ?? DEFAULTS.refreshSkewSeconds,
    timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs,
    credentials: o.credentials,
    fetch: o.fetch,
    now: o.now ?? Date.now,
    logger: o.logger ?? silentLogger,
    userAgent: o.userAgent,
    store: o.store,
  })
}

/**
 * Reads an injected clock once, so a `now` that returns no usable time (NaN, a string) fails at construction
 * instead of making every timer computation NaN (which fires a 1 ms timer over and over).
 *
 * @throws {ConfigError} `config_invalid` naming `now`.
 */
function checkClock(now: () => number): void {
  let sample: unknown
  try {
    sample = now()
  } catch {
    throw new ConfigError([{ path: 'now', message: 'threw when called' }], 'Invalid AuthClient options')
  }
  if (typeof sample !== 'number' || !Number.isFinite(sample)) {
    throw new ConfigError(
      [{ path: 'now', message: 'must return epoch milliseconds as a finite number' }],
      'Invalid AuthClient options',
    )
  }
}
