import { expect } from 'vitest'
import { createBaseCollection } from '../../../dev/index.js'
import { NotFoundError, createDbInterface } from '../../../src/index.js'
import type { CompatFlow } from '../flow.js'

interface Post {
  id: string
  owner: string
  title: string
}

const owned = 'owner = @request.auth.id'

export const dbInterfaceFlow: CompatFlow = {
  name: "db-interface: a signed-in user creates, lists and reads its own records, never another's",
  async setup({ pb }) {
    await createBaseCollection(pb, 'compat_posts', {
      fields: [
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true },
        { name: 'title', type: 'text' },
      ],
      rules: { listRule: owned, viewRule: owned, createRule: owned, updateRule: owned, deleteRule: owned },
    })
  },
  async run({ pb, client }) {
    const [alice, bob] = await Promise.all([
      pb.createUser({ verified: true }),
      pb.createUser({ verified: true }),
    ])
    const asAlice = client()
    const asBob = client()
    await Promise.all([
      asAlice.authWithPassword(alice.email, alice.password),
      asBob.authWithPassword(bob.email, bob.password),
    ])
    const alicePosts = createDbInterface(asAlice).collection<Post>('compat_posts')
    const bobPosts = createDbInterface(asBob).collection<Post>('compat_posts')

    const created = await alicePosts.create({ owner: alice.id, title: 'hello' })
    const mine = await alicePosts.getList(1, 10)
    const theirs = await bobPosts.getList(1, 10)

    expect(created).toMatchObject({ owner: alice.id, title: 'hello' })
    expect(mine.items.map((post) => post.id)).toEqual([created.id])
    expect(theirs.totalItems).toBe(0)
    await expect(bobPosts.getOne(created.id)).rejects.toBeInstanceOf(NotFoundError)
  },
}
