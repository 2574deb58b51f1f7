/**
 * The Express backend of the `pocketbase-auth/server` benchmark, run in its own process (so the load generator
 * does not share its event loop). Two routes answer the caller's record id:
 * - `/verifier/me`: `expressAuth(createTokenVerifier(...))` from the built `dist/` (node:crypto hash, 30 s cache);
 * - `/naive/me`: what users write with the official `pocketbase` SDK: one auth-refresh per request;
 * - `/none/me`: no authentication at all, the baseline of what Express and the load generator cost.
 * Prints `{"port":N}` on stdout once listening. `PB_URL` is where PocketBase (or the counting proxy) listens.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type NextFunction, type Request, type Response } from 'express'
import PocketBase from 'pocketbase'
import type * as ServerEntry from '../src/server/node.js'

const { createTokenVerifier, expressAuth } = (await import(
  new URL('../dist/server.node.js', import.meta.url).href
)) as typeof ServerEntry

const pbUrl = process.env['PB_URL']
if (pbUrl === undefined) throw new Error('PB_URL is required')

const verifier = createTokenVerifier({ url: pbUrl, cacheTtlSeconds: 30, maxEntries: 10_000 })

/** The naive check, as commonly written: a fresh SDK client per request, the token saved, auth-refresh. */
async function naiveAuth(req: Request, res: Response, next: NextFunction): Promise<void> {
  const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '')
  const pb = new PocketBase(pbUrl)
  pb.autoCancellation(false)
  pb.authStore.save(token, null)
  try {
    await pb.collection('users').authRefresh()
    res.locals['user'] = pb.authStore.record
    next()
  } catch {
    res.status(401).json({ message: 'unauthorized' })
  }
}

const app = express()
app.get('/verifier/me', expressAuth(verifier), (req, res) => {
  res.json({ id: req.auth?.recordId })
})
app.get('/naive/me', naiveAuth, (_req, res) => {
  res.json({ id: (res.locals['user'] as { id?: string } | null)?.id })
})
app.get('/none/me', (_req, res) => {
  res.json({ id: null }) // the baseline: the same route without any authentication
})
app.get('/verifier/stats', (_req, res) => {
  res.json(verifier.stats())
})
/** Empties the verifier's cache, so that each round of the benchmark confirms every token anew. */
app.post('/verifier/clear', (_req, res) => {
  verifier.clear()
  res.status(204).end()
})
/** CPU time this process has used, in µs: the load generator reads it before and after each run. */
app.get('/cpu', (_req, res) => {
  const { user, system } = process.cpuUsage()
  res.json({ micros: user + system })
})

const server: Server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
process.once('SIGTERM', () => server.close(() => process.exit(0)))
// The parent holds our stdin open: when it ends (the parent exited, even through its watchdog), so do we.
process.stdin.once('end', () => process.exit(0)).resume()
