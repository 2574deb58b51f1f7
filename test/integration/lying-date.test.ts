import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createUser, setAuthTokenDuration } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('lying Date header tests')
const DAY_MS = 86_400_000

/** A real proxy in front of PocketBase that rewrites every response's `Date` by `skewMs` and counts refreshes. */
async function datedProxy(
  target: string,
  skewMs: number,
): Promise<{ url: string; refreshes: () => number; stop: () => Promise<void> }> {
  const upstream = new URL(target)
  let refreshes = 0
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/auth-refresh')) refreshes++
    const forward = http.request(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        const headers = { ...answer.headers, date: new Date(Date.now() + skewMs).toUTCString() }
        res.writeHead(answer.statusCode ?? 502, headers)
        answer.pipe(res)
      },
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    refreshes: () => refreshes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

describe.skipIf(bin === undefined)(
  'a proxy whose Date header lies by two days, in front of a real PocketBase',
  () => {
    let pb: PocketBaseHandle
    const clients: AuthClient[] = []
    const proxies: { stop: () => Promise<void> }[] = []

    beforeAll(async () => {
      pb = await startPocketBase()
      await setAuthTokenDuration(pb, 'users', 60)
    })
    afterEach(async () => {
      for (const auth of clients.splice(0)) auth.dispose()
      await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()))
    })
    afterAll(async () => {
      await pb?.stop()
    })

    it('two days ahead: an idle client sends no refresh storm and stays signed in', async () => {
      const proxy = await datedProxy(pb.url, 2 * DAY_MS)
      proxies.push(proxy)
      const user = await createUser(pb, 'users')
      const auth = createAuthClient({ url: proxy.url })
      clients.push(auth)
      await auth.authWithPassword(user.email, user.password)
      // Before the bound, the token looked two days expired: hundreds of refreshes in these 3 seconds.
      await sleep(3_000)
      expect(proxy.refreshes()).toBe(0)
      expect(auth.isAuthenticated).toBe(true)
      expect(auth.session!.expiresAt - auth.session!.issuedAt).toBeLessThanOrEqual(60_000)
      expect(auth.session!.expiresAt - auth.session!.issuedAt).toBeGreaterThan(58_000)
    })

    it('two days behind: isAuthenticated turns false at the token real expiry by the local clock', async () => {
      const proxy = await datedProxy(pb.url, -2 * DAY_MS)
      proxies.push(proxy)
      const user = await createUser(pb, 'users')
      let shiftMs = 0
      const auth = createAuthClient({ url: proxy.url, autoRefresh: false, now: () => Date.now() + shiftMs })
      clients.push(auth)
      await auth.authWithPassword(user.email, user.password)
      expect(auth.isAuthenticated).toBe(true)
      shiftMs = 61_000 // past the 60 s token's real expiry
      expect(auth.isAuthenticated).toBe(false)
      expect(proxy.refreshes()).toBe(0)
    })
  },
)
