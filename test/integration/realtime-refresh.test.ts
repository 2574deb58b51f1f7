/**
 * Three minutes of 10-second tokens on a real PocketBase: the client refreshes about every 8 s and resubmits the
 * subscriptions each time; create, update and delete events keep arriving for the user's own records and never
 * for another user's. A long test, in its own file so that it runs beside the others.
 */
import { setTimeout as delay } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAuthCollection,
  createBaseCollection,
  createUser,
  setAuthTokenDuration,
  startCountingProxy,
  type CountingProxy,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createDbInterface } from '../../src/index.js'
import { useClients } from '../helpers/clients.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { Arrivals, logInto, recordRealtime, type Seen } from './realtime-support.js'

const bin = pocketBaseBinaryForTests('realtime refresh tests')

/** How long the test keeps changing records (at least three minutes of 10 s tokens). */
const RUN_MS = 185_000

describe.skipIf(bin === undefined)('realtime with 10-second tokens', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const client = useClients(() => proxy.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createAuthCollection(pb, 'members')
    await setAuthTokenDuration(pb, 'members', 10)
    const own = 'owner = @request.auth.id'
    await createBaseCollection(pb, 'notes', {
      fields: [
        { name: 'text', type: 'text' },
        { name: 'owner', type: 'relation', collectionId: 'members', maxSelect: 1 },
      ],
      rules: { listRule: own, viewRule: own },
    })
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  it(
    'keeps delivering exactly what the rules allow across refreshes, for three minutes',
    async () => {
      const alice = await createUser(pb, 'members', { verified: true })
      const bob = await createUser(pb, 'members', { verified: true })
      const auth = client({ collection: 'members', autoRefresh: true })
      await auth.authWithPassword(alice.email, alice.password)
      const refreshes = new Arrivals<unknown>()
      auth.on('tokenRefreshed', refreshes.push)
      const db = createDbInterface(auth)
      const log = recordRealtime(db)
      const saw = new Arrivals<Seen>()
      const own = new Arrivals<Seen>()
      await db.collection<{ id: string }>('notes').subscribe('*', logInto(saw))
      const expected: Seen[] = []
      const hidden: string[] = []
      const started = Date.now()
      try {
        while (Date.now() - started < RUN_MS) {
          const mine = await pb.api<{ id: string }>('POST', '/api/collections/notes/records', {
            text: 'mine',
            owner: alice.id,
          })
          const theirs = await pb.api<{ id: string }>('POST', '/api/collections/notes/records', {
            text: 'theirs',
            owner: bob.id,
          })
          hidden.push(theirs.id)
          await pb.api('PATCH', `/api/collections/notes/records/${mine.id}`, { text: 'edited' })
          await pb.api('PATCH', `/api/collections/notes/records/${theirs.id}`, { text: 'edited' })
          await pb.api('DELETE', `/api/collections/notes/records/${mine.id}`)
          expected.push(`create:${mine.id}`, `update:${mine.id}`, `delete:${mine.id}`)
          await saw.atLeast(expected.length, "events of Alice's notes so far")
          own.push(`create:${mine.id}`)
          await delay(2_000)
        }
      } finally {
        db.realtime.close()
      }
      expect([...saw.items].sort()).toEqual([...expected].sort())
      expect(saw.items.some((item) => hidden.some((id) => item.endsWith(id)))).toBe(false)
      // About one refresh per 8 s; each was followed by a submission with the new token.
      expect(refreshes.items.length).toBeGreaterThanOrEqual(15)
      expect(proxy.count('POST /api/realtime')).toBeGreaterThan(refreshes.items.length)
      expect(log.errors.items).toEqual([])
      expect(own.items.length).toBeGreaterThan(20)
    },
    RUN_MS + 60_000,
  )
})
