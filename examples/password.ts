/**
 * Sign in with email and password, look at the session, refresh it, read your own records, sign out.
 *
 *   npm run pb                          # terminal 1: a dev PocketBase with alice@example.com
 *   npm run example -- password         # terminal 2
 */
import { createAuthClient, createDbInterface, isAuthError } from 'pocketbase-auth'
import { demoAccount, pocketBaseUrl, redact } from './support.js'

const auth = createAuthClient({ url: pocketBaseUrl() }) // collection defaults to 'users'
const { email, password } = demoAccount()

// Events fire for every change, whoever caused it (you, the refresh timer, a failed refresh).
auth.on('signedIn', (session) => console.log(`event signedIn: ${session.recordId}`))
auth.on('signedOut', ({ reason }) => console.log(`event signedOut: ${reason}`))

try {
  const session = await auth.authWithPassword(email, password)
  console.log('signed in as', session.record.email, {
    collection: session.collectionName,
    recordId: session.recordId,
    expiresAt: new Date(session.expiresAt).toISOString(),
    refreshable: session.refreshable,
    token: redact(session.token), // never log a whole token
  })

  // An explicit refresh; with autoRefresh (the default) a timer does this before the token expires.
  const refreshed = await auth.authRefresh()
  console.log('refreshed, expires', new Date(refreshed.expiresAt).toISOString())

  // Records through the pocketbase SDK, each request with a fresh token from `auth`.
  const db = createDbInterface(auth)
  const posts = await db.collection('posts').getList(1, 10)
  console.log(`alice owns ${posts.totalItems} post(s)`)

  auth.logout() // PocketBase has no server-side logout: this forgets the token and stops the timer
} catch (error) {
  if (isAuthError(error) && error.code === 'invalid_credentials') {
    console.error('Wrong email or password (PocketBase does not say which). Is `npm run pb` running?')
  }
  throw error
} finally {
  auth.dispose() // stops timers so the process can exit
}
