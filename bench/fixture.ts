/** A real local PocketBase with one user and a few posts, shared by the benchmarks. */
import { createBaseCollection, createUser } from '../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../src/testing/index.js'

/** What the benchmarks run against. */
export interface BenchServer {
  readonly pb: PocketBaseHandle
  readonly user: { readonly id: string; readonly email: string; readonly password: string }
  /** Id of one post the user owns. */
  readonly postId: string
}

/** Starts PocketBase, creates `posts` (owner-only rules), a user and 20 posts of theirs. */
export async function startBenchServer(): Promise<BenchServer> {
  const pb = await startPocketBase()
  const own = 'owner = @request.auth.id'
  await createBaseCollection(pb, 'posts', {
    fields: [
      { name: 'title', type: 'text', required: true },
      { name: 'body', type: 'text' },
      { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1, required: true },
    ],
    rules: { listRule: own, viewRule: own, createRule: own, updateRule: own, deleteRule: own },
  })
  const user = await createUser(pb, 'users', { verified: true })
  let postId = ''
  for (let i = 0; i < 20; i++) {
    const post = await pb.api<{ id: string }>('POST', '/api/collections/posts/records', {
      title: `post ${i}`,
      body: 'lorem ipsum '.repeat(20),
      owner: user.id,
    })
    postId ||= post.id
  }
  return { pb, user: { id: user.id, email: user.email, password: user.password }, postId }
}
