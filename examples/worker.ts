/**
 * A long-running worker that stays signed in as a superuser: tokens are refreshed in the background before
 * they expire, and if a refresh is refused (password changed, token revoked) the client signs in again
 * through `credentials`, which reads the password from the environment each time and never keeps it.
 *
 *   npm run example -- worker                        # runs 5 rounds, 1 s apart
 *   WORKER_ROUNDS=0 npm run example -- worker        # runs until Ctrl-C
 */
import { createDbInterface } from 'pocketbase-auth'
import { createAuthClientFromEnv } from 'pocketbase-auth/node'

const rounds = Number(process.env['WORKER_ROUNDS'] ?? 5) // 0: forever
const intervalMs = Number(process.env['WORKER_INTERVAL_MS'] ?? 1000)

const admin = createAuthClientFromEnv({ autoRefresh: true })
const db = createDbInterface(admin)

admin.on('signedIn', (session) =>
  console.log(`signed in, token expires ${new Date(session.expiresAt).toISOString()}`),
)
admin.on('tokenRefreshed', (session) =>
  console.log(`refreshed, expires ${new Date(session.expiresAt).toISOString()}`),
)
admin.on('refreshFailed', ({ error, willRetry, retryInMs }) =>
  console.warn(`refresh failed (${error.code}); ${willRetry ? `retrying in ${retryInMs} ms` : 'giving up'}`),
)
admin.on('error', (error) => console.error('background failure:', error.message))

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
process.once('SIGTERM', () => controller.abort())

try {
  for (let round = 1; (rounds === 0 || round <= rounds) && !controller.signal.aborted; round++) {
    // Each request asks the client for a token good for at least refreshSkewSeconds.
    const users = await db.collection('users').getList(1, 1, { fields: 'id' })
    const posts = await db.collection('posts').getList(1, 1, { fields: 'id' })
    console.log(`round ${round}: ${users.totalItems} users, ${posts.totalItems} posts`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
} finally {
  admin.dispose() // stops the refresh timer and drops listeners (the timer is unref'd: it never holds the process)
}
