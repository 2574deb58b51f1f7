import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createBaseCollection, createUser, startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createDbInterface, type AuthClient, type DbInterface } from '../../src/index.js'
import { useClients } from '../helpers/clients.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { Arrivals, logInto, recordRealtime, type Seen } from './realtime-support.js'

const bin = pocketBaseBinaryForTests('realtime tests')

describe.skipIf(bin === undefined)('realtime against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  const dbs: DbInterface[] = []
  const client = useClients(() => proxy.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCountingProxy(pb.url)
    const own = 'owner = @request.auth.id'
    await createBaseCollection(pb, 'posts', {
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
      ],
      rules: { listRule: own, viewRule: own },
    })
  })

  afterEach(() => {
    for (const db of dbs.splice(0)) db.realtime.close()
    proxy.reset()
  })

  afterAll(async () => {
    await proxy?.stop()
    await pb?.stop()
  })

  async function user(): Promise<{ auth: AuthClient; db: DbInterface; id: string }> {
    const created = await createUser(pb, 'users', { verified: true })
    const auth = client()
    await auth.authWithPassword(created.email, created.password)
    const db = createDbInterface(auth)
    dbs.push(db)
    return { auth, db, id: created.id }
  }

  /** A superuser's db-interface: sees every event, so it tells when the server has broadcast a change. */
  function watcher(): DbInterface {
    const auth = client({
      collection: '_superusers',
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
    const db = createDbInterface(auth)
    dbs.push(db)
    return db
  }

  const createPost = (owner: string, title = 'post'): Promise<{ id: string }> =>
    pb.api('POST', '/api/collections/posts/records', { title, owner })
  const updatePost = (id: string): Promise<unknown> =>
    pb.api('PATCH', `/api/collections/posts/records/${id}`, { title: 'changed' })
  const deletePost = (id: string): Promise<unknown> =>
    pb.api('DELETE', `/api/collections/posts/records/${id}`)

  it('delivers create, update and delete only for what each user may see', async () => {
    const alice = await user()
    const bob = await user()
    const aliceSaw = new Arrivals<Seen>()
    const bobSaw = new Arrivals<Seen>()
    const allSaw = new Arrivals<Seen>()
    await alice.db.collection<{ id: string }>('posts').subscribe('*', logInto(aliceSaw))
    await bob.db.collection<{ id: string }>('posts').subscribe('*', logInto(bobSaw))
    await watcher().collection<{ id: string }>('posts').subscribe('*', logInto(allSaw))

    const a = await createPost(alice.id)
    const b = await createPost(bob.id)
    await updatePost(a.id)
    await updatePost(b.id)
    await deletePost(a.id)
    await deletePost(b.id)
    await allSaw.atLeast(6, 'events for the superuser')
    await aliceSaw.atLeast(3, "events of Alice's post")
    await bobSaw.atLeast(3, "events of Bob's post")
    // PocketBase sends each event from its own goroutine: the order of two quick changes is not guaranteed.
    expect([...aliceSaw.items].sort()).toEqual([`create:${a.id}`, `delete:${a.id}`, `update:${a.id}`])
    expect([...bobSaw.items].sort()).toEqual([`create:${b.id}`, `delete:${b.id}`, `update:${b.id}`])
  })

  it('carries 200 subscriptions on one connection', async () => {
    const alice = await user()
    const posts = await Promise.all(Array.from({ length: 199 }, (_, i) => createPost(alice.id, `p${i}`)))
    const byTopic = new Arrivals<Seen>()
    const collection = alice.db.collection<{ id: string }>('posts')
    const stops = await Promise.all([
      collection.subscribe('*', ({ record }) => byTopic.push(`*:${record.id}`)),
      ...posts.map((post) => collection.subscribe(post.id, ({ record }) => byTopic.push(`one:${record.id}`))),
    ])
    expect(stops).toHaveLength(200)
    expect(proxy.count('GET /api/realtime')).toBe(1)
    const changed = posts.filter((_, i) => i % 40 === 0)
    for (const post of changed) await updatePost(post.id)
    await byTopic.atLeast(changed.length * 2, 'events (each change on * and on its record)')
    expect([...byTopic.items].sort()).toEqual(
      changed.flatMap((post) => [`*:${post.id}`, `one:${post.id}`]).sort(),
    )
    expect(proxy.count('GET /api/realtime')).toBe(1)
  })

  it('stops delivery at once on sign-out', async () => {
    const alice = await user()
    const aliceSaw = new Arrivals<Seen>()
    const allSaw = new Arrivals<Seen>()
    const log = recordRealtime(alice.db)
    await alice.db.collection<{ id: string }>('posts').subscribe('*', logInto(aliceSaw))
    await watcher().collection<{ id: string }>('posts').subscribe('*', logInto(allSaw))
    const before = await createPost(alice.id)
    await aliceSaw.atLeast(1, 'the event before sign-out')
    alice.auth.logout()
    expect(alice.db.realtime.state).toBe('closed')
    const after = await createPost(alice.id)
    await allSaw.until((items) => items.includes(`create:${after.id}`), 'the broadcast after sign-out')
    expect(aliceSaw.items).toEqual([`create:${before.id}`])
    expect(log.errors.items.map((e) => (e as { code?: string }).code)).toEqual(['not_authenticated'])
  })

  it('resumes after PocketBase is killed and restarted, delivering each change once', async () => {
    const alice = await user()
    const aliceSaw = new Arrivals<Seen>()
    const log = recordRealtime(alice.db)
    await alice.db.collection<{ id: string }>('posts').subscribe('*', logInto(aliceSaw))
    const first = await createPost(alice.id)
    await aliceSaw.atLeast(1, 'the event before the outage')
    await pb.kill()
    await log.disconnected.atLeast(1, 'disconnected')
    expect(log.disconnected.items[0]).toMatchObject({ willRetry: true })
    await pb.restart()
    await log.connected.until((items) => items.some((e) => e.resumed), 'a resumed connection', 60_000)
    const second = await createPost(alice.id)
    await updatePost(second.id)
    await aliceSaw.atLeast(3, 'the events after the restart')
    expect([...aliceSaw.items].sort()).toEqual(
      [`create:${first.id}`, `create:${second.id}`, `update:${second.id}`].sort(),
    )
    expect(alice.db.realtime.state).toBe('open')
  })
})
