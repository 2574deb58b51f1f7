/**
 * The impersonation pool against a real PocketBase, counted at a proxy: concurrent acquires of one record make
 * one impersonation request; with more users than `max`, the pool keeps `max` children, an evicted child held by
 * a caller keeps working (its own record, renewed on demand once its 10 s token is due), and dispose() ends all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { createImpersonationPool } from '../../src/admin/index.js'
import { createAuthClient, createDbInterface, type AuthClient } from '../../src/index.js'
import { startPocketBase, type CreatedUser, type PocketBaseHandle } from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('impersonation pool')
const impersonations = (proxy: CountingProxy, users: CreatedUser[]): number =>
  users.reduce((sum, user) => sum + proxy.count(`POST /api/collections/users/impersonate/${user.id}`), 0)

describe.skipIf(bin === undefined)('an impersonation pool on a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  let superuser: AuthClient
  const users: CreatedUser[] = []

  beforeAll(async () => {
    pb = await startPocketBase({ mail: false })
    proxy = await startCountingProxy(pb.url)
    for (let i = 0; i < 12; i++) users.push(await pb.createUser({ verified: true }))
    superuser = createAuthClient({
      url: proxy.url,
      collection: '_superusers',
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
  })

  afterAll(async () => {
    superuser?.dispose()
    await proxy?.stop()
    await pb?.stop()
  })

  it('one request per record, max children, evicted children still working, dispose ending all', async () => {
    const pool = createImpersonationPool(superuser, {
      collection: 'users',
      max: 4,
      idleSeconds: 300,
      durationSeconds: 10,
    })
    const [alice] = users as [CreatedUser]
    const same = await Promise.all(Array.from({ length: 10 }, () => pool.acquire(alice.id)))
    expect(new Set(same).size).toBe(1)
    expect(impersonations(proxy, [alice])).toBe(1)

    const held: AuthClient[] = []
    for (const user of users) {
      const child = await pool.acquire(user.id)
      held.push(child)
      const own = await createDbInterface(child).collection('users').getOne(user.id)
      expect(own.id).toBe(user.id)
    }
    expect(pool.size).toBe(4)
    expect(impersonations(proxy, users)).toBe(users.length)

    // The first child left the pool long ago; its 10 s token runs out, and a call renews it on demand.
    const first = held[0]!
    const token = first.session!.token
    await new Promise((resolve) => setTimeout(resolve, 10_500))
    const own = await createDbInterface(first).collection('users').getOne(alice.id)
    expect(own.id).toBe(alice.id)
    expect(first.session!.token).not.toBe(token)

    await pool.dispose()
    await expect(first.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    await expect(held.at(-1)!.getToken()).rejects.toMatchObject({ code: 'not_authenticated' })
    expect(superuser.isAuthenticated).toBe(true)
  })
})
