/**
 * What a route requires of the identity behind a request: the options every adapter and `authenticate()` take,
 * checked once, and the access check they run after the token is verified.
 * @module
 */
import { ConfigError, type ConfigIssue } from '../index.js'
import { isObject } from '../kit.js'
import { COOKIE_NAME_RULE, DEFAULT_COOKIE_NAME, isCookieName } from '../ssr/session-cookie-value.js'
import { AccessDeniedError } from './access-denied.js'
import type { VerifiedIdentity } from './identity.js'
import type { Roles } from './roles.js'

/**
 * What a route requires. Every option is optional; with none, any token the verifier accepts is enough.
 * Role options (`minRole`, `anyRole`, `permission`) need `roles`. Superusers pass every role check.
 */
export interface AuthenticateOptions<R extends string = string, P extends string = string> {
  /**
   * Auth collections allowed on this route, by name (or id): a narrower list than the verifier's own.
   * @default undefined (every collection the verifier accepts)
   */
  readonly collections?: readonly string[]
  /** The role hierarchy, from `defineRoles()`; needed by `minRole`, `anyRole` and `permission`. @default undefined */
  readonly roles?: Roles<R, P>
  /** The lowest role allowed. @default undefined */
  readonly minRole?: NoInfer<R>
  /** Only these roles are allowed (no hierarchy). @default undefined */
  readonly anyRole?: readonly NoInfer<R>[]
  /** The permission needed (its minimum role, from `roles.permissions`). @default undefined */
  readonly permission?: NoInfer<P>
  /** Only records with a verified email (`record.verified === true`); superusers always pass. @default false */
  readonly requireVerified?: boolean
  /**
   * Let requests without a token through, with the identity `null` (guests). A token that is present must still be
   * valid: an invalid, expired or revoked one is refused, never downgraded to a guest. @default false
   */
  readonly optional?: boolean
  /**
   * Also read the token from the session cookie of `pocketbase-auth/ssr` (chunks included; the official SDK's
   * `pb_auth` too) when the request has no `Authorization` header: `true` for the cookie `pb_auth`, or `{ name }`.
   * The token is verified like a header's; the cookie's signature is not needed. Cookies come with every request
   * the browser sends, cross-site ones included: keep `SameSite=Lax` (the default) and refuse state changes on
   * `GET`. @default false
   */
  readonly cookie?: boolean | { readonly name?: string }
}

/** `AuthenticateOptions` after checking. */
export interface AccessPolicy {
  readonly collections: ReadonlySet<string> | undefined
  readonly roles: Roles | undefined
  readonly minRole: string | undefined
  readonly anyRole: ReadonlySet<string> | undefined
  readonly permission: string | undefined
  readonly requireVerified: boolean
  readonly optional: boolean
  /** The session cookie to read when there is no `Authorization` header; `undefined` reads none. */
  readonly cookieName: string | undefined
}

const KNOWN = new Set([
  'collections',
  'roles',
  'minRole',
  'anyRole',
  'permission',
  'requireVerified',
  'optional',
  'cookie',
])
const compiled = new WeakMap<object, AccessPolicy>()

/**
 * Checks a route's options once (the result is remembered per options object).
 *
 * @param options - the route's options, not yet checked; `undefined` for none
 * @returns the policy
 * @throws {ConfigError} `config_invalid`, naming every bad option: an unknown role or permission, role options
 * without `roles`, an empty `collections` or `anyRole`, an unknown option.
 */
export function compilePolicy(options: unknown): AccessPolicy {
  if (options === undefined) return NO_REQUIREMENTS
  if (isObject(options)) {
    const known = compiled.get(options)
    if (known !== undefined) return known
  }
  const policy = checkPolicy(options)
  if (isObject(options)) compiled.set(options, policy)
  return policy
}

/** The policy of a route without options: any token the verifier accepts. */
const NO_REQUIREMENTS: AccessPolicy = Object.freeze({
  collections: undefined,
  roles: undefined,
  minRole: undefined,
  anyRole: undefined,
  permission: undefined,
  requireVerified: false,
  optional: false,
  cookieName: undefined,
})

/**
 * Checks that an adapter was given a verifier.
 *
 * @param verifier - what the caller passed as the verifier
 * @throws {ConfigError} `config_invalid` when it has no `verify` function.
 */
export function checkVerifier(verifier: unknown): void {
  if (!isObject(verifier) || typeof verifier.verify !== 'function') {
    throw new ConfigError(
      [{ path: 'verifier', message: 'must come from createTokenVerifier()' }],
      'Invalid verifier',
    )
  }
}

function checkPolicy(options: unknown): AccessPolicy {
  const context = 'Invalid authentication options'
  if (!isObject(options))
    throw new ConfigError([{ path: '(options)', message: 'must be an object' }], context)
  const o = options as AuthenticateOptions
  const issues: ConfigIssue[] = []
  const unknown = Object.keys(options).filter((name) => !KNOWN.has(name))
  if (unknown.length > 0) issues.push({ path: unknown.join(', '), message: 'unknown option' })
  const names = (value: unknown): value is readonly string[] =>
    Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && item !== '')
  if (o.collections !== undefined && !names(o.collections)) {
    issues.push({ path: 'collections', message: 'must be a non-empty array of collection names' })
  }
  for (const flag of ['requireVerified', 'optional'] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== 'boolean')
      issues.push({ path: flag, message: 'must be a boolean' })
  }
  const roles = o.roles
  const isRoles = isObject(roles) && Array.isArray(roles.order) && typeof roles.atLeast === 'function'
  if (roles !== undefined && !isRoles) issues.push({ path: 'roles', message: 'must come from defineRoles()' })
  const isRole = (role: unknown): boolean => isRoles && roles.order.includes(role as string)
  if (o.minRole !== undefined && !isRole(o.minRole)) issues.push(roleIssue('minRole', isRoles))
  if (o.anyRole !== undefined && !(names(o.anyRole) && o.anyRole.every(isRole)))
    issues.push(roleIssue('anyRole', isRoles))
  if (o.permission !== undefined && !(isRoles && Object.hasOwn(roles.permissions, o.permission))) {
    issues.push({
      path: 'permission',
      message: isRoles ? 'is not a permission of roles' : 'needs `roles` (from defineRoles())',
    })
  }
  const cookie = o.cookie
  const cookieName =
    cookie === true
      ? DEFAULT_COOKIE_NAME
      : isObject(cookie)
        ? (cookie.name ?? DEFAULT_COOKIE_NAME)
        : undefined
  if (
    !(cookie === undefined || typeof cookie === 'boolean' || isObject(cookie)) ||
    (cookieName !== undefined && !isCookieName(cookieName))
  ) {
    issues.push({
      path: 'cookie',
      message: `must be true, false or { name } (a cookie name of ${COOKIE_NAME_RULE})`,
    })
  }
  if (issues.length > 0) throw new ConfigError(issues, context)
  return Object.freeze({
    collections: o.collections === undefined ? undefined : new Set(o.collections),
    roles,
    minRole: o.minRole,
    anyRole: o.anyRole === undefined ? undefined : new Set(o.anyRole),
    permission: o.permission,
    requireVerified: o.requireVerified ?? false,
    optional: o.optional ?? false,
    cookieName,
  })
}

function roleIssue(path: string, hasRoles: boolean): ConfigIssue {
  return {
    path,
    message: hasRoles ? 'must name roles of `roles.order`' : 'needs `roles` (from defineRoles())',
  }
}

/**
 * Checks a verified identity against a route's policy.
 *
 * @param identity - the identity the verifier confirmed
 * @param policy - the route's policy
 * @returns `undefined` when access is allowed, else the `forbidden` error to throw
 */
export function checkAccess(identity: VerifiedIdentity, policy: AccessPolicy): AccessDeniedError | undefined {
  const { collections, roles } = policy
  if (
    collections !== undefined &&
    !collections.has(identity.collectionName) &&
    !collections.has(identity.collectionId)
  ) {
    return new AccessDeniedError(
      `authenticate: tokens of collection "${identity.collectionName}" are not accepted on this route`,
      'collection_not_allowed',
    )
  }
  if (policy.requireVerified && !identity.superuser && identity.record.verified !== true) {
    return new AccessDeniedError(
      `authenticate: record ${identity.recordId} has not verified its email`,
      'not_verified',
    )
  }
  if (roles === undefined || identity.superuser) return undefined
  const role = roles.roleOf(identity)
  const refused =
    (policy.minRole !== undefined && !roles.atLeast(identity, policy.minRole)) ||
    (policy.anyRole !== undefined && (role === null || !policy.anyRole.has(role))) ||
    (policy.permission !== undefined && !roles.can(identity, policy.permission))
  if (!refused) return undefined
  return new AccessDeniedError(
    `authenticate: the role of record ${identity.recordId} (${role ?? 'none'}) does not allow this route`,
    'insufficient_role',
  )
}
