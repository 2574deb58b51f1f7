import { describe, expect, expectTypeOf, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { DEFAULT_ROLE_ORDER, defineRoles, type VerifiedIdentity } from '../../src/server/node.js'

function identity(role: unknown, superuser = false): VerifiedIdentity {
  const record = { id: 'r', collectionId: 'c', collectionName: superuser ? '_superusers' : 'users', role }
  return {
    record,
    recordId: 'r',
    collectionId: 'c',
    collectionName: record.collectionName,
    expiresAt: 0,
    superuser,
    role: null,
    refreshable: true,
  }
}

describe('defineRoles', () => {
  const roles = defineRoles({ permissions: { 'posts:moderate': 'moderator', 'users:manage': 'admin' } })
  const [guest, user, moderator, admin, superadmin] = DEFAULT_ROLE_ORDER.map((role) => identity(role))
  const superuser = identity(undefined, true)

  it('ranks the default hierarchy, superusers above all, no subject below all', () => {
    expect(roles.order).toEqual(['guest', 'user', 'moderator', 'admin', 'superadmin'])
    expect([guest, user, moderator, admin, superadmin, superuser].map((who) => roles.rankOf(who))).toEqual([
      0, 1, 2, 3, 4, 5,
    ])
    expect(roles.rankOf(null)).toBe(-1)
    expect(roles.roleOf(admin)).toBe('admin')
    expect(roles.roleOf(superuser)).toBeNull()
  })

  it('a missing, empty or unknown role is the lowest role', () => {
    for (const value of [undefined, '', 'admn', 7]) {
      expect(roles.rankOf(identity(value))).toBe(0)
      expect(roles.roleOf(identity(value))).toBe('guest')
    }
  })

  it('atLeast and can', () => {
    expect(roles.atLeast(moderator, 'moderator')).toBe(true)
    expect(roles.atLeast(user, 'moderator')).toBe(false)
    expect(roles.atLeast(superuser, 'superadmin')).toBe(true)
    expect(roles.atLeast(null, 'guest')).toBe(false)
    expect(roles.can(moderator, 'posts:moderate')).toBe(true)
    expect(roles.can(moderator, 'users:manage')).toBe(false)
    expect(roles.can(admin, 'users:manage')).toBe(true)
    expect(roles.can(superuser, 'users:manage')).toBe(true)
  })

  it('canManage: only strictly lower ranks; superusers manage every non-superuser; records work as targets', () => {
    expect(roles.canManage(admin, moderator)).toBe(true)
    expect(roles.canManage(admin, admin)).toBe(false)
    expect(roles.canManage(moderator, admin)).toBe(false)
    expect(roles.canManage(superuser, superadmin)).toBe(true)
    expect(roles.canManage(superadmin, superuser)).toBe(false)
    expect(roles.canManage(superuser, superuser)).toBe(false)
    expect(roles.canManage(admin, { id: 'x', collectionName: 'users', role: 'user' })).toBe(true)
    expect(roles.canManage(admin, { id: 'x', collectionName: '_superusers' })).toBe(false)
    expect(roles.canManage(null, user)).toBe(false)
    expect(roles.canManage(admin, null)).toBe(false)
  })

  it('canAssign: only roles strictly below one’s own; superusers assign every role', () => {
    expect(roles.canAssign(admin, 'moderator')).toBe(true)
    expect(roles.canAssign(admin, 'admin')).toBe(false)
    expect(roles.canAssign(superadmin, 'admin')).toBe(true)
    expect(roles.canAssign(superuser, 'superadmin')).toBe(true)
    expect(roles.canAssign(null, 'guest')).toBe(false)
  })

  it('a custom order and field', () => {
    const custom = defineRoles({
      order: ['viewer', 'editor', 'owner'],
      field: 'level',
      permissions: { publish: 'editor' },
    })
    expect(custom.can({ id: 'x', collectionName: 'members', level: 'editor' }, 'publish')).toBe(true)
    expect(custom.can({ id: 'x', collectionName: 'members', role: 'owner' }, 'publish')).toBe(false)
    expectTypeOf(custom.roleOf).returns.toEqualTypeOf<'viewer' | 'editor' | 'owner' | null>()
    // @ts-expect-error 'admin' is not a role of this hierarchy
    expect(() => custom.atLeast(null, 'admin')).toThrow(ConfigError)
    // @ts-expect-error 'delete' is not a permission of this hierarchy
    expect(() => custom.can(null, 'delete')).toThrow(ConfigError)
  })

  it.each([
    [{ order: [] }, 'order'],
    [{ order: ['a', 'a'] }, 'order'],
    [{ order: ['a', ''] }, 'order'],
    [{ order: ['a'], permissions: { x: 'b' } }, 'permissions.x'],
    [{ order: ['a'], field: 'no spaces' }, 'field'],
  ])('refuses a bad definition %j naming %s', (definition, path) => {
    const run = (): unknown => defineRoles(definition as never)
    expect(run).toThrow(ConfigError)
    try {
      run()
    } catch (error) {
      expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual([path])
    }
  })
})
