/**
 * PocketBase (>= 0.38.2) ends every realtime stream after 30 minutes. A hostile node:http proxy in front of a
 * real PocketBase cuts the stream much earlier (after every second record event, alternately with a clean end
 * and a reset), so the test sees many cuts: each time the client reconnects, resubmits its subscriptions, and
 * no change is delivered twice. The same proxy also answers what PocketBase never would.
 */
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBaseCollection, createUser } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createDbInterface, type DbInterface } from '../../src/index.js'
import { useClients } from '../helpers/clients.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { Arrivals, logInto, recordRealtime, type Seen } from './realtime-support.js'

const bin = pocketBaseBinaryForTests('realtime cut tests')

/** What the proxy does with `GET /api/realtime`. */
type Mode = { kind: 'cut'; afterEvents: number } | { kind: 'html' }

interface CuttingProxy {
  readonly url: string
  mode: Mode
  /** Streams cut so far. */
  cuts: number
  /** `GET /api/realtime` requests so far. */
  streams: number
  stop(): Promise<void>
}

async function startCuttingProxy(targetURL: string): Promise<CuttingProxy> {
  const target = new URL(targetURL)
  const proxy: CuttingProxy = {
    url: '',
    mode: { kind: 'cut', afterEvents: 2 },
    cuts: 0,
    streams: 0,
    stop: async () => undefined,
  }
  const server = http.createServer((req, res) => {
    const isStream = req.method === 'GET' && (req.url ?? '').startsWith('/api/realtime')
    if (isStream) proxy.streams++
    if (isStream && proxy.mode.kind === 'html') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>maintenance</html>')
      return
    }
    const headers = { ...req.headers, host: target.host }
    const upstream = http.request({
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    })
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      if (!isStream || proxy.mode.kind !== 'cut') return void answer.pipe(res)
      const limit = proxy.mode.afterEvents
      let events = 0
      answer.on('data', (chunk: Buffer) => {
        if (res.destroyed || res.writableEnded) return
        res.write(chunk)
        events += chunk.toString().split('\nevent:').length - 1 - (chunk.includes('event:PB_CONNECT') ? 1 : 0)
        if (events < limit) return
        proxy.cuts++
        upstream.destroy()
        // Alternately the clean end PocketBase sends at 30 minutes, and a reset connection (a moment later, so
        // that the event just written is not lost with it: a reset drops what the client has not read yet).
        if (proxy.cuts % 2 === 1) res.end()
        else setTimeout(() => res.destroy(), 300)
      })
      answer.on('end', () => res.end())
    })
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  ;(proxy as { url: string }).url = `http://127.0.0.1:${port}`
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  return proxy
}

describe.skipIf(bin === undefined)('realtime behind a server that cuts the stream early', () => {
  let pb: PocketBaseHandle
  let proxy: CuttingProxy
  const client = useClients(() => proxy.url)

  beforeAll(async () => {
    pb = await startPocketBase()
    proxy = await startCuttingProxy(pb.url)
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

  async function signedIn(): Promise<{ db: DbInterface; id: string }> {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    await auth.authWithPassword(user.email, user.password)
    return { db: createDbInterface(auth), id: user.id }
  }

  it('reconnects after every cut, resubmits, and delivers every later change exactly once', async () => {
    proxy.mode = { kind: 'cut', afterEvents: 2 }
    const { db, id } = await signedIn()
    const log = recordRealtime(db)
    const saw = new Arrivals<Seen>()
    const expected: Seen[] = []
    try {
      await db.collection<{ id: string }>('posts').subscribe('*', logInto(saw))
      for (let i = 0; i < 10; i++) {
        // Changes made while disconnected are not replayed: wait for the connection after each cut.
        await log.connected.atLeast(proxy.cuts + 1, 'the connection after the last cut', 60_000)
        const post = await pb.api<{ id: string }>('POST', '/api/collections/posts/records', {
          title: `p${i}`,
          owner: id,
        })
        expected.push(`create:${post.id}`)
        await saw.atLeast(expected.length, 'the event of each post')
      }
      expect(saw.items).toEqual(expected)
      expect(proxy.cuts).toBe(5)
      await log.connected.atLeast(6, 'the connection after the last cut', 60_000)
      expect(log.connected.items).toEqual([
        { resumed: false },
        ...Array.from({ length: 5 }, () => ({ resumed: true })),
      ])
      expect(log.disconnected.items).toHaveLength(5)
      for (const drop of log.disconnected.items) {
        expect(drop).toMatchObject({ willRetry: true, error: expect.objectContaining({ code: 'network' }) })
      }
      expect(proxy.streams).toBe(6)
    } finally {
      db.realtime.close()
    }
  }, 120_000)

  it('refuses a stream that is not an event stream with unexpected_response', async () => {
    proxy.mode = { kind: 'html' }
    const { db } = await signedIn()
    const error = await rejectionOf(db.collection('posts').subscribe('*', () => undefined))
    expect(error).toMatchObject({ code: 'unexpected_response', status: 200 })
    expect(db.realtime.state).toBe('idle')
  })
})
