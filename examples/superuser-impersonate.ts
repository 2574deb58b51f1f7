/**
 * Server to server: a superuser client from the environment acts on behalf of a user.
 *
 *   POCKETBASE_URL, POCKETBASE_SUPERUSER_EMAIL and POCKETBASE_SUPERUSER_PASSWORD in the environment or .env
 *   (`cp .env.example .env` fits `npm run pb`), then:  npm run example -- superuser-impersonate
 *
 * An impersonation token is a bearer credential for that user: not refreshable, valid until it expires, and
 * PocketBase cannot revoke it early. Ask for a short `durationSeconds`, keep it in memory, never log it.
 */
import { createDbInterface } from 'pocketbase-auth'
import { createAuthClientFromEnv } from 'pocketbase-auth/node'
import { demoAccount } from './support.js'

interface Post {
  id: string
  title: string
  published: boolean
  owner: string
}

// With the superuser variables set this is a `_superusers` client whose `credentials` read the environment:
// no explicit sign-in, getToken() (called by every db request) signs in when needed.
const admin = createAuthClientFromEnv()
const adminDb = createDbInterface(admin)

try {
  const { email } = demoAccount()
  // db.pb.filter() escapes values: never build filters by string concatenation.
  const user = await adminDb
    .collection('users')
    .getFirstListItem(adminDb.pb.filter('email = {:email}', { email }))
  console.log(`superuser signed in: ${admin.isSuperuser}; acting for ${user['email']} (${user.id})`)

  // A child client signed in as the user, with a 10-minute, non-refreshable token.
  const asUser = await admin.impersonate(user.id, { durationSeconds: 600 })
  try {
    const posts = createDbInterface(asUser).collection<Post>('posts')
    const created = await posts.create({
      title: 'Written on behalf of the user',
      published: false,
      owner: user.id,
    })
    const page = await posts.getList(1, 20, { sort: '-created' })
    console.log(
      `the user now owns ${page.totalItems} post(s):`,
      page.items.map((post) => post.title),
    )
    await posts.delete(created.id) // leave the demo data as it was
  } finally {
    asUser.dispose()
  }
} finally {
  admin.dispose()
}
