/**
 * A loopback HTTP proxy that forwards everything to one server and counts requests by `METHOD path`.
 * @module
 */
import http from 'node:http'

/** A running counting proxy. */
export interface CountingProxy {
  /** The proxy's base URL, e.g. `http://127.0.0.1:41236`; use it in place of the target's. */
  readonly url: string
  /** Requests seen for `'METHOD /path'` (no query string), e.g. `'POST /api/collections/users/auth-refresh'`. */
  count(methodPath: string): number
  /** A snapshot of every count. */
  counts(): Record<string, number>
  /** Set every count to zero. */
  reset(): void
  /** Close the proxy and every open connection. Idempotent. */
  stop(): Promise<void>
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
])

/**
 * Start a proxy on 127.0.0.1 in front of `targetURL`. Bodies are streamed both ways (server-sent events
 * work); response headers, `Date` included, are passed through unchanged apart from hop-by-hop ones. When
 * the target is down the client's connection is dropped, so clients see the same network error as without
 * the proxy.
 * @example
 * const proxy = await startCountingProxy(pb.url)
 * // … point the client at proxy.url …
 * expect(proxy.count('POST /api/collections/users/auth-refresh')).toBe(1)
 */
export async function startCountingProxy(targetURL: string): Promise<CountingProxy> {
  const target = new URL(targetURL)
  const agent = new http.Agent({ keepAlive: true })
  let tally = new Map<string, number>()

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://proxy.invalid').pathname
    const key = `${req.method ?? 'GET'} ${pathname}`
    tally.set(key, (tally.get(key) ?? 0) + 1)

    const headers: http.OutgoingHttpHeaders = { host: target.host }
    for (const [name, value] of Object.entries(req.headers)) {
      if (name !== 'host' && !HOP_BY_HOP.has(name)) headers[name] = value
    }
    const upstream = http.request({
      agent,
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    })
    upstream.on('response', (upstreamRes) => {
      res.sendDate = false
      const raw: string[] = []
      const pairs = upstreamRes.rawHeaders
      for (let i = 0; i + 1 < pairs.length; i += 2) {
        const name = pairs[i] ?? ''
        if (!HOP_BY_HOP.has(name.toLowerCase())) raw.push(name, pairs[i + 1] ?? '')
      }
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, raw)
      res.flushHeaders()
      upstreamRes.pipe(res)
      upstreamRes.on('error', () => res.destroy())
    })
    // Target down or reset: drop the client connection like the real outage would.
    upstream.on('error', () => res.destroy())
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  let stopping: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}`,
    count: (methodPath) => tally.get(methodPath) ?? 0,
    counts: () => Object.fromEntries(tally),
    reset() {
      tally = new Map()
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
        agent.destroy()
      })
      return stopping
    },
  }
}
