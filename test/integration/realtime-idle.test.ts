/**
 * PocketBase (>= 0.38.2) closes a realtime stream that sent nothing for 5 minutes. On the real server: the
 * client reconnects at once, resubmits its subscriptions, and events flow again. A five-minute test, in its
 * own file so that it runs beside the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBaseCollection, createUser, startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createDbInterface } from '../../src/index.js'
import { useClients } from '../helpers/clients.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { Arrivals, logInto, recordRealtime, type Seen } from './realtime-support.js'

const bin = pocketBaseBinaryForTests('realtime idle-timeout tests')

/** PocketBase's idle timeout (300 s) with room for a loaded machine. */
const IDLE_WAIT_MS = 340_000

describe.skipIf(bin === undefined)('realtime and the 5-minute idle timeout', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const client = useClients(() => proxy.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    await createBaseCollection(pb, 'posts', {
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
      ],
      rules: { listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id' },
    })
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  it(
    'reconnects at once when the server closes a quiet stream, and events flow again',
    async () => {
      const alice = await createUser(pb, 'users', { verified: true })
      const auth = client()
      await auth.authWithPassword(alice.email, alice.password)
      const db = createDbInterface(auth)
      const log = recordRealtime(db)
      const saw = new Arrivals<Seen>()
      try {
        await db.collection<{ id: string }>('posts').subscribe('*', logInto(saw))
        await log.disconnected.atLeast(1, 'the idle timeout', IDLE_WAIT_MS)
        expect(log.disconnected.items[0]).toMatchObject({
          willRetry: true,
          retryInMs: 0,
          error: expect.objectContaining({ code: 'network' }),
        })
        await log.connected.atLeast(2, 'the reconnection')
        expect(log.connected.items).toEqual([{ resumed: false }, { resumed: true }])
        // Resubmitted every minute meanwhile, with a token check each time; one stream before, one after.
        expect(proxy.count('POST /api/realtime')).toBeGreaterThanOrEqual(5)
        expect(proxy.count('POST /api/files/token')).toBeGreaterThanOrEqual(5)
        expect(proxy.count('GET /api/realtime')).toBe(2)
        const post = await pb.api<{ id: string }>('POST', '/api/collections/posts/records', {
          title: 'after the timeout',
          owner: alice.id,
        })
        await saw.atLeast(1, 'the event after the reconnection')
        expect(saw.items).toEqual([`create:${post.id}`])
        expect(log.errors.items).toEqual([])
      } finally {
        db.realtime.close()
      }
    },
    IDLE_WAIT_MS + 60_000,
  )
})
