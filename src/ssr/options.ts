/**
 * The options of `createRequestAuth`, their defaults, and their validation (per request, so it is cheap: the keys
 * derived from a secret are kept per process).
 * @module
 */
import { ConfigError, type AuthClientOptions, type ConfigIssue } from '../index.js'
import { checkOptions, ifDefined, isObject, numberIn, resolveConfig, type OptionCheck } from '../kit.js'
import type { CookieAttributes } from './cookie-header.js'
import type { RequestCookies } from './cookie-jar.js'
import type { HmacSha256 } from './hmac-sha256.js'
import { COOKIE_SECRET_ENV, keyRing, secretsProblem, type KeyRing } from './keys.js'
import { COOKIE_NAME_RULE, DEFAULT_COOKIE_NAME, isCookieName } from './session-cookie-value.js'

/** The session cookie's attributes and name. */
export interface SessionCookieOptions {
  /** The cookie's name; chunks are `name.0`, `name.1`, …, sign-in cookies `name_oauth2`, `name_mfa`, `name_otp`. @default 'pb_auth' */
  name?: string
  /**
   * `Secure`: sent over HTTPS only. @default true, except when `requestUrl` is `http://localhost` (or 127.0.0.1,
   * [::1]), `NODE_ENV` is not `production` and the name has no `__Host-`/`__Secure-` prefix
   */
  secure?: boolean
  /**
   * `SameSite`. `'lax'` keeps the cookie off cross-site subrequests and form posts (CSRF) but sends it on a link
   * from another site. `'strict'` also drops it on the first page after a link from elsewhere, OAuth2 callbacks
   * included (the OAuth2 cookie itself stays `Lax`). `'none'` needs `secure`. @default 'lax'
   */
  sameSite?: 'lax' | 'strict' | 'none'
  /** `Path`. @default '/' */
  path?: string
  /** `Domain`, to share the cookie with subdomains. @default undefined (this host only) */
  domain?: string
  /**
   * The most cookies one session may take (a large record is split into chunks of up to 4 kB). The default keeps
   * the `Cookie` header under Node's 16 kB header limit. @default 3
   */
  maxChunks?: number
}

/** Options of `createRequestAuth()`: those of `createAuthClient()` that make sense per request, plus cookies. */
export interface RequestAuthOptions extends Omit<
  AuthClientOptions,
  'autoRefresh' | 'store' | 'share' | 'credentials'
> {
  /** The request's cookies and how to set new ones. Required. */
  cookies: RequestCookies
  /** See {@link SessionCookieOptions}. @default {} */
  cookie?: SessionCookieOptions
  /**
   * The secret the session cookie is signed with and the sign-in cookies are sealed with: at least 32 bytes (e.g.
   * `openssl rand -base64 32`). An array rotates keys: the first signs and seals, every one is accepted.
   * @default the `POCKETBASE_COOKIE_SECRET` environment variable
   */
  secret?: string | readonly string[]
  /** The incoming request's URL, e.g. `request.url`; only used to leave `Secure` off on `http://localhost`. @default undefined */
  requestUrl?: string | URL
  /**
   * `getSession()` refreshes the token once this share of its lifetime has passed, so that a visitor who comes
   * back within the token's lifetime stays signed in (a sliding session). @default 0.5
   */
  refreshAfterShare?: number
  /**
   * The TOTP gate secret (see `pocketbase-auth/totp`), sent on sign-ins and refreshes. @default the
   * `POCKETBASE_TOTP_GATE` environment variable, when set
   */
  gateSecret?: string
}

/** Every default of `createRequestAuth`, in one place. */
export const REQUEST_AUTH_DEFAULTS = Object.freeze({
  cookieName: DEFAULT_COOKIE_NAME,
  sameSite: 'lax' as const,
  path: '/',
  maxChunks: 3,
  refreshAfterShare: 0.5,
})

/** The environment variable read for `gateSecret` when the option is not given. */
export const GATE_SECRET_ENV = 'POCKETBASE_TOTP_GATE'

/** `RequestAuthOptions` after checks and defaults. */
export interface ResolvedRequestOptions {
  /** What the `AuthClient` is created with (before the store and `fetch` are added). */
  readonly client: AuthClientOptions
  readonly cookies: RequestCookies
  readonly cookieName: string
  readonly attributes: Omit<CookieAttributes, 'maxAge'>
  readonly maxChunks: number
  readonly ring: KeyRing
  readonly refreshAfterShare: number
}

const CLIENT_KEYS = [
  'url',
  'collection',
  'refreshSkewSeconds',
  'timeoutMs',
  'maxClockSkewSeconds',
  'fetch',
  'now',
  'logger',
  'userAgent',
  'gateSecret',
] as const

const COOKIE_CHECKS: Readonly<Record<keyof SessionCookieOptions, OptionCheck>> = {
  name: ifDefined((value) => (isCookieName(value) ? undefined : `must be ${COOKIE_NAME_RULE}`)),
  secure: ifDefined((value) => (typeof value === 'boolean' ? undefined : 'must be a boolean')),
  sameSite: ifDefined((value) =>
    value === 'lax' || value === 'strict' || value === 'none'
      ? undefined
      : "must be 'lax', 'strict' or 'none'",
  ),
  path: ifDefined((value) =>
    typeof value === 'string' && /^\/[\x21-\x3a\x3c-\x7e]*$/.test(value)
      ? undefined
      : 'must be a path starting with /',
  ),
  domain: ifDefined((value) =>
    typeof value === 'string' &&
    /^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(value)
      ? undefined
      : 'must be a domain name',
  ),
  maxChunks: ifDefined(numberIn(1, 16, true)),
}

const OWN_CHECKS: Readonly<Record<string, OptionCheck>> = {
  cookies: (value) =>
    isObject(value) &&
    typeof value.getAll === 'function' &&
    (value.setAll === undefined || typeof value.setAll === 'function')
      ? undefined
      : 'must be { getAll(), setAll?(cookies) }',
  cookie: ifDefined((value) => (isObject(value) ? undefined : 'must be an object')),
  secret: () => undefined,
  requestUrl: ifDefined((value) => {
    if (!(typeof value === 'string' || value instanceof URL)) return 'must be a URL'
    return URL.canParse(String(value)) ? undefined : 'must be an absolute URL'
  }),
  refreshAfterShare: ifDefined(numberIn(0, 1, false)),
}

/** Hosts on which a plain-http cookie is fine: browsers treat them as secure contexts. */
const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)

/**
 * Validates the options of `createRequestAuth` and applies the defaults.
 *
 * @param options - the options, not yet checked
 * @param hmac - derives the keys
 * @param env - where `POCKETBASE_COOKIE_SECRET` and `POCKETBASE_TOTP_GATE` are read from
 * @returns the resolved options
 * @throws {ConfigError} `config_invalid`, naming every bad option (or environment variable), never its value.
 */
export function resolveRequestOptions(
  options: unknown,
  hmac: HmacSha256,
  env: Readonly<Record<string, string | undefined>> = processEnv(),
): ResolvedRequestOptions {
  const context = 'Invalid createRequestAuth options'
  if (!isObject(options))
    throw new ConfigError([{ path: '(options)', message: 'must be an object' }], context)
  const passThrough = Object.fromEntries(CLIENT_KEYS.map((key) => [key, () => undefined]))
  const issues: ConfigIssue[] = checkOptions(options, { ...OWN_CHECKS, ...passThrough })
  if (isObject(options.cookie)) {
    for (const issue of checkOptions(options.cookie, COOKIE_CHECKS)) {
      issues.push({ ...issue, path: `cookie.${issue.path}` })
    }
  }
  const secretFromEnv = options.secret === undefined
  const secret = secretFromEnv ? env[COOKIE_SECRET_ENV] : options.secret
  const secretIssue =
    secret === undefined || secret === '' ? 'is required: at least 32 bytes' : secretsProblem(secret)
  if (secretIssue !== undefined) {
    issues.push({
      path: secretFromEnv ? `secret (or ${COOKIE_SECRET_ENV})` : 'secret',
      message: secretIssue,
    })
  }
  const client: Record<string, unknown> = { autoRefresh: false }
  for (const key of CLIENT_KEYS) if (options[key] !== undefined) client[key] = options[key]
  const envGate = env[GATE_SECRET_ENV]
  const gateFromEnv = options.gateSecret === undefined && envGate !== undefined && envGate !== ''
  if (gateFromEnv) client.gateSecret = envGate
  try {
    resolveConfig(client)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    for (const issue of error.issues) {
      issues.push(gateFromEnv && issue.path === 'gateSecret' ? { ...issue, path: GATE_SECRET_ENV } : issue)
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, context)

  const o = options as unknown as RequestAuthOptions
  const cookie = o.cookie ?? {}
  const request = o.requestUrl === undefined ? undefined : new URL(String(o.requestUrl))
  // Behind a reverse proxy that forwards `Host: localhost` (nginx's default), a production request looks local
  // too: in production the cookie stays `Secure` unless `cookie.secure: false` says otherwise.
  const local =
    env.NODE_ENV !== 'production' &&
    request !== undefined &&
    request.protocol === 'http:' &&
    isLoopbackHost(request.hostname)
  const sameSite = cookie.sameSite ?? REQUEST_AUTH_DEFAULTS.sameSite
  const name = cookie.name ?? REQUEST_AUTH_DEFAULTS.cookieName
  const prefixed = name.startsWith('__Host-') || name.startsWith('__Secure-')
  // Browsers accept Secure cookies from http://localhost too, so a prefixed name stays Secure there.
  const secure = cookie.secure ?? (prefixed || !local)
  if (sameSite === 'none' && !secure) {
    throw new ConfigError([{ path: 'cookie.sameSite', message: "'none' needs secure: true" }], context)
  }
  // Browsers refuse a prefixed cookie without these attributes: say so now rather than lose every sign-in.
  const hostOnly = name.startsWith('__Host-')
  if (prefixed && (!secure || (hostOnly && ((cookie.path ?? '/') !== '/' || cookie.domain !== undefined)))) {
    throw new ConfigError(
      [
        {
          path: 'cookie.name',
          message: hostOnly
            ? "'__Host-' needs secure: true, path '/' and no domain"
            : "'__Secure-' needs secure: true",
        },
      ],
      context,
    )
  }
  return {
    client: client as unknown as AuthClientOptions,
    cookies: o.cookies,
    cookieName: name,
    attributes: {
      httpOnly: true,
      secure,
      sameSite,
      path: cookie.path ?? REQUEST_AUTH_DEFAULTS.path,
      ...(cookie.domain === undefined ? {} : { domain: cookie.domain }),
    },
    maxChunks: cookie.maxChunks ?? REQUEST_AUTH_DEFAULTS.maxChunks,
    ring: keyRing(typeof secret === 'string' ? [secret] : (secret as readonly string[]), hmac),
    refreshAfterShare: o.refreshAfterShare ?? REQUEST_AUTH_DEFAULTS.refreshAfterShare,
  }
}

/** `process.env` where there is one (Node, Bun, Deno with Node compatibility); `{}` elsewhere. */
function processEnv(): Readonly<Record<string, string | undefined>> {
  const env = (globalThis as { process?: { env?: unknown } }).process?.env
  return isObject(env) ? (env as Record<string, string | undefined>) : {}
}
