import { expect } from 'vitest'
import { createBaseCollection } from '../../../dev/index.js'
import { createDbInterface } from '../../../src/index.js'
import { Arrivals, logInto, type Seen } from '../../integration/realtime-support.js'
import type { CompatFlow } from '../flow.js'

const owned = 'owner = @request.auth.id'

export const realtimeFlow: CompatFlow = {
  name: 'realtime: events for what the rules allow, resubmitted after a refresh, ended by unsubscribe',
  async setup({ pb }) {
    await createBaseCollection(pb, 'compat_notes', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
        { name: 'text', type: 'text' },
      ],
      rules: { listRule: owned, viewRule: owned },
    })
  },
  async run({ pb, client, superuser }) {
    const [alice, bob] = await Promise.all([
      pb.createUser({ verified: true }),
      pb.createUser({ verified: true }),
    ])
    const auth = client()
    await auth.authWithPassword(alice.email, alice.password)
    const db = createDbInterface(auth)
    const watcher = createDbInterface(superuser())
    const mine = new Arrivals<Seen>()
    const all = new Arrivals<Seen>()
    try {
      const stop = await db.collection<{ id: string }>('compat_notes').subscribe('*', logInto(mine))
      await watcher.collection<{ id: string }>('compat_notes').subscribe('*', logInto(all))
      expect(db.realtime.state).toBe('open')
      const create = (owner: string): Promise<{ id: string }> =>
        pb.api('POST', '/api/collections/compat_notes/records', { owner, text: 'x' })
      const theirs = await create(bob.id)
      const first = await create(alice.id)
      await all.until((items) => items.includes(`create:${theirs.id}`), "Bob's note reaching the superuser")
      await mine.atLeast(1, "Alice's note")
      await auth.authRefresh()
      await pb.api('PATCH', `/api/collections/compat_notes/records/${first.id}`, { text: 'y' })
      await mine.atLeast(2, 'the update after the refresh')
      expect(mine.items).toEqual([`create:${first.id}`, `update:${first.id}`])
      await stop()
      expect(db.realtime.state).toBe('idle')
    } finally {
      db.realtime.close()
      watcher.realtime.close()
    }
  },
}
