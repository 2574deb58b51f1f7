/**
 * Role-based access control over a record field: an ordered hierarchy of roles, permissions that each need a
 * minimum role, and the rules for managing other records and assigning roles. Superusers are above every role.
 * @module
 */
import { ConfigError, type ConfigIssue } from '../index.js'
import { isObject } from '../kit.js'
import { SUPERUSERS, type VerifiedIdentity } from './identity.js'

/** The default hierarchy, lowest first. */
export const DEFAULT_ROLE_ORDER = Object.freeze([
  'guest',
  'user',
  'moderator',
  'admin',
  'superadmin',
] as const)

/** A role of the default hierarchy. */
export type DefaultRole = (typeof DEFAULT_ROLE_ORDER)[number]

/** Whose role is asked: a verified identity, or an auth record (e.g. the target of `canManage`). */
export type RoleSubject = Pick<VerifiedIdentity, 'record' | 'superuser'> | Readonly<Record<string, unknown>>

/** What `defineRoles()` takes. */
export interface RolesDefinition<R extends string, P extends string> {
  /** The roles, lowest first; names must be unique. @default ['guest', 'user', 'moderator', 'admin', 'superadmin'] */
  readonly order?: readonly R[]
  /** Each permission and the lowest role that has it. @default {} */
  readonly permissions?: { readonly [K in P]: NoInfer<R> }
  /** The record field that holds the role. @default 'role' */
  readonly field?: string
}

/** A role hierarchy made by `defineRoles()`. Every check is a pure function of its arguments. */
export interface Roles<R extends string = string, P extends string = string> {
  /** The roles, lowest first. */
  readonly order: readonly R[]
  /** Each permission and the lowest role that has it. */
  readonly permissions: { readonly [K in P]: R }
  /** The record field that holds the role. */
  readonly field: string
  /**
   * The rank of a subject: its role's index in `order`; `order.length` for a superuser (above every role); `0` (the
   * lowest role) for a record whose role field is empty or holds an unknown value; `-1` for no subject at all.
   */
  rankOf(subject: RoleSubject | null | undefined): number
  /**
   * The role the subject acts with: its role field, or the lowest role when that is empty or unknown; `null` for a
   * superuser (above every role) and for no subject.
   */
  roleOf(subject: RoleSubject | null | undefined): R | null
  /** Whether the subject has `role` or a higher one (superusers always do; a missing subject never does). */
  atLeast(subject: RoleSubject | null | undefined, role: R): boolean
  /** Whether the subject's role is at least the one `permission` needs. */
  can(subject: RoleSubject | null | undefined, permission: P): boolean
  /** Whether `actor` may manage `target`: only records of a strictly lower rank (superusers: every non-superuser). */
  canManage(actor: RoleSubject | null | undefined, target: RoleSubject | null | undefined): boolean
  /** Whether `actor` may give someone `role`: only roles strictly below its own (superusers: every role). */
  canAssign(actor: RoleSubject | null | undefined, role: R): boolean
}

/**
 * Defines a role hierarchy read from a record field, with permissions mapped to the lowest role that has them.
 *
 * @param definition - the roles (lowest first), the permissions and the field; see {@link RolesDefinition}
 * @returns the checks, typed so a misspelt role or permission does not compile
 * @throws {ConfigError} `config_invalid` when `order` is empty or repeats a name, a permission names an unknown
 * role, or `field` is not a field name.
 * @example
 * ```ts
 * const roles = defineRoles({ permissions: { 'posts:moderate': 'moderator', 'users:manage': 'admin' } })
 * declare const who: VerifiedIdentity
 * if (roles.can(who, 'users:manage') && roles.canAssign(who, 'moderator')) {
 *   // promote someone to moderator
 * }
 * ```
 */
export function defineRoles<const R extends string = DefaultRole, const P extends string = never>(
  definition: RolesDefinition<R, P> = {},
): Roles<R, P> {
  const order = (definition.order ?? DEFAULT_ROLE_ORDER) as readonly R[]
  const permissions = (definition.permissions ?? {}) as { readonly [K in P]: R }
  const field = definition.field ?? 'role'
  checkDefinition(order, permissions, field)
  const ranks = new Map<string, number>(order.map((role, index) => [role, index]))
  const superuserRank = order.length

  const rankOfRole = (role: string, where: string): number => {
    const rank = ranks.get(role)
    if (rank === undefined)
      throw new ConfigError([{ path: where, message: 'is not a role of this hierarchy' }], 'Unknown role')
    return rank
  }
  const rankOf = (subject: RoleSubject | null | undefined): number => {
    if (subject === null || subject === undefined) return -1
    const value = readRole(subject, field)
    if (value === SUPERUSER) return superuserRank
    return (typeof value === 'string' ? ranks.get(value) : undefined) ?? 0
  }
  const roleOf = (subject: RoleSubject | null | undefined): R | null => {
    const rank = rankOf(subject)
    return rank >= 0 && rank < superuserRank ? (order[rank] ?? null) : null
  }
  const atLeast = (subject: RoleSubject | null | undefined, role: R): boolean => {
    const needed = rankOfRole(role, 'role')
    return subject !== null && subject !== undefined && rankOf(subject) >= needed
  }

  const roles: Roles<R, P> = {
    order: Object.freeze([...order]),
    permissions: Object.freeze({ ...permissions }),
    field,
    rankOf,
    roleOf,
    atLeast,
    can(subject, permission) {
      const role = Object.hasOwn(permissions, permission) ? permissions[permission] : undefined
      if (role === undefined) {
        throw new ConfigError(
          [{ path: 'permission', message: 'is not a permission of this hierarchy' }],
          'Unknown permission',
        )
      }
      return atLeast(subject, role)
    },
    canManage(actor, target) {
      if (actor === null || actor === undefined || target === null || target === undefined) return false
      return rankOf(actor) > rankOf(target)
    },
    canAssign(actor, role) {
      const assigned = rankOfRole(role, 'role')
      return actor !== null && actor !== undefined && rankOf(actor) > assigned
    },
  }
  return Object.freeze(roles)
}

/** Marks a superuser, who is above every role. */
const SUPERUSER = Symbol('superuser')

/**
 * The raw role value of a subject: from `record[field]` for an identity (an object with a `record` and a boolean
 * `superuser`), from `subject[field]` for a record; {@link SUPERUSER} for a superuser.
 */
function readRole(subject: RoleSubject, field: string): unknown {
  const fields = subject as Readonly<Record<string, unknown>>
  if (isObject(fields.record) && typeof fields.superuser === 'boolean') {
    return fields.superuser ? SUPERUSER : fields.record[field]
  }
  return fields.collectionName === SUPERUSERS ? SUPERUSER : fields[field]
}

function checkDefinition(order: unknown, permissions: unknown, field: unknown): void {
  const issues: ConfigIssue[] = []
  const names = Array.isArray(order) ? (order as unknown[]) : []
  if (names.length === 0 || !names.every((role) => typeof role === 'string' && role !== '')) {
    issues.push({ path: 'order', message: 'must be a non-empty array of role names' })
  } else if (new Set(names).size !== names.length) {
    issues.push({ path: 'order', message: 'must not name a role twice' })
  }
  if (!isObject(permissions)) issues.push({ path: 'permissions', message: 'must be an object' })
  else {
    for (const [permission, role] of Object.entries(permissions)) {
      if (!names.includes(role))
        issues.push({ path: `permissions.${permission}`, message: 'must name a role of order' })
    }
  }
  if (typeof field !== 'string' || !/^\w{1,255}$/.test(field)) {
    issues.push({ path: 'field', message: 'must be a field name (letters, digits and _)' })
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid roles')
}
