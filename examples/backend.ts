/**
 * A backend that receives PocketBase tokens from its clients: Express routes guarded by `expressAuth`, roles read
 * from the record's `role` field, problem-details answers for every failure. It starts, calls itself as a client
 * would (alice's token, a superuser's, none), prints the answers and exits; `BACKEND_SERVE=1` keeps it serving.
 *
 *   npm run pb                                  # terminal 1: a dev PocketBase with alice@example.com
 *   npm run example -- backend                  # terminal 2
 *   BACKEND_SERVE=1 npm run example -- backend  # then: curl -H "Authorization: Bearer $TOKEN" localhost:3000/me
 *
 * Hono and Fastify take the same options: `app.use('/api/*', honoAuth(verifier))`,
 * `app.addHook('onRequest', fastifyAuth(verifier))`.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { createAuthClient } from 'pocketbase-auth'
import { loadEnv } from 'pocketbase-auth/node'
import { createTokenVerifier, defineRoles, expressAuth } from 'pocketbase-auth/server'
import { demoAccount, pocketBaseUrl } from './support.js'

// One verifier per process: it caches each confirmed token for 30 s (the revocation window) and shares one
// request among concurrent checks of the same token. Superusers' tokens are accepted because `_superusers` is named.
const verifier = createTokenVerifier({
  url: pocketBaseUrl(),
  collections: ['users', '_superusers'],
  cacheTtlSeconds: 30,
})
const roles = defineRoles({ permissions: { 'posts:moderate': 'moderator', 'users:manage': 'admin' } })

const app = express()
app.get('/me', expressAuth(verifier), (req, res) => {
  const who = req.auth! // set by expressAuth; never null here (the route is not `optional`)
  res.json({
    id: who.recordId,
    collection: who.collectionName,
    role: roles.roleOf(who),
    superuser: who.superuser,
  })
})
app.get('/posts', expressAuth(verifier, { optional: true }), (req, res) => {
  res.json({ viewer: req.auth?.recordId ?? 'guest' })
})
app.get('/admin/users', expressAuth(verifier, { roles, permission: 'users:manage' }), (req, res) => {
  res.json({ manager: req.auth?.recordId, canPromoteToModerator: roles.canAssign(req.auth, 'moderator') })
})

const server = app.listen(
  Number(process.env['BACKEND_PORT'] ?? (process.env['BACKEND_SERVE'] === '1' ? 3000 : 0)),
  '127.0.0.1',
)
await new Promise((resolve) => server.once('listening', resolve))
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
console.log(`backend listening on ${base}`)

/** Calls the backend as a browser or app would, and prints the status and body. */
async function show(path: string, token?: string): Promise<void> {
  const response = await fetch(
    base + path,
    token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } },
  )
  console.log(
    `GET ${path} ${token === undefined ? '(no token)' : ''}-> ${response.status}`,
    await response.json(),
  )
}

try {
  // A client signs in to PocketBase itself and sends its token to the backend.
  const alice = createAuthClient({ url: pocketBaseUrl(), autoRefresh: false })
  const { email, password } = demoAccount()
  await alice.authWithPassword(email, password)
  const token = await alice.getToken()
  await show('/me', token) //            200: alice, role from her record (lowest role when the field is empty)
  await show('/posts') //                200: a guest on an optional route
  await show('/me') //                   401 token_missing, WWW-Authenticate: Bearer
  await show('/me', 'not-a-token') //    401 token_invalid
  await show('/admin/users', token) //   403 insufficient_role

  const { superuser } = loadEnv()
  if (superuser !== undefined) {
    const admin = createAuthClient({ url: pocketBaseUrl(), collection: '_superusers', autoRefresh: false })
    await admin.authWithPassword(superuser.email, superuser.password)
    await show('/admin/users', await admin.getToken()) // 200: superusers are above every role
    admin.logout()
  }
  alice.logout()
  console.log('verifier stats', verifier.stats())
} finally {
  if (process.env['BACKEND_SERVE'] !== '1') server.close()
}
