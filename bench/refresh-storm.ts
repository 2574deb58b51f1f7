/**
 * Refresh storm: N concurrent db calls issued when the token is due (the injected clock is moved to just
 * before its expiry). Counts auth-refresh requests per storm at a counting proxy and compares per-call
 * latency with the same N calls on a fresh token.
 */
import { startCountingProxy } from '../dev/index.js'
import { createAuthClient, createDbInterface } from './library.js'
import type { BenchServer } from './fixture.js'
import { median, ms, percentile, printTable } from './stats.js'

/** One storm size's result. */
export interface StormResult {
  n: number
  storms: number
  refreshesPerStorm: number[]
  addedP50Ms: number
  addedP99Ms: number
  /** Median per-call latency of the same N calls on a fresh token: the scale the added latency is read on. */
  baselineP50Ms: number
  /** Median time from the storm's first call until the refreshed token was in place. */
  refreshMs: number
}

async function timedBurst(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = []
  await Promise.all(
    Array.from({ length: n }, async () => {
      const start = performance.now()
      await call()
      latencies.push(performance.now() - start)
    }),
  )
  return latencies
}

export async function runRefreshStorm(
  server: BenchServer,
  sizes: readonly number[],
  stormsPerSize: (n: number) => number,
): Promise<StormResult[]> {
  const { pb, user, postId } = server
  const proxy = await startCountingProxy(pb.url)
  const clock = { offsetMs: 0 }
  const auth = createAuthClient({
    url: proxy.url,
    autoRefresh: false,
    now: () => Date.now() + clock.offsetMs,
    // The storm jumps the local clock to the token's expiry (days ahead): the server's Date must keep correcting
    // it, so the bound on believed clock offsets (default one hour) is raised to its maximum, a year.
    maxClockSkewSeconds: 31_536_000,
  })
  await auth.authWithPassword(user.email, user.password)
  const db = createDbInterface(auth)
  const call = (): Promise<unknown> => db.collection('posts').getOne(postId)
  await timedBurst(50, call) // warm-up: connections, JIT

  const results: StormResult[] = []
  const stormOnce = async (
    n: number,
  ): Promise<{ latencies: number[]; refreshes: number; refreshMs: number }> => {
    const session = auth.session!
    clock.offsetMs = session.expiresAt - 200 - Date.now()
    proxy.reset()
    const start = performance.now()
    let refreshMs = Number.NaN
    const off = auth.on('tokenRefreshed', () => (refreshMs = performance.now() - start))
    const latencies = await timedBurst(n, call)
    off()
    if (auth.session === session) throw new Error('the storm did not refresh the token')
    return { latencies, refreshes: proxy.count('POST /api/collections/users/auth-refresh'), refreshMs }
  }
  try {
    for (const n of sizes) {
      await timedBurst(n, call) // warm-up at this size: connection pool, JIT
      const addedP50: number[] = []
      const addedP99: number[] = []
      const refreshesPerStorm: number[] = []
      const refreshMs: number[] = []
      const baselineP50: number[] = []
      for (let s = 0; s < stormsPerSize(n); s++) {
        // Alternate the order so neither side always runs on a colder or warmer process.
        const baselineFirst = s % 2 === 0
        const before = baselineFirst ? await timedBurst(n, call) : undefined
        const storm = await stormOnce(n)
        const baseline = before ?? (await timedBurst(n, call))
        refreshesPerStorm.push(storm.refreshes)
        refreshMs.push(storm.refreshMs)
        baselineP50.push(median(baseline))
        addedP50.push(median(storm.latencies) - median(baseline))
        addedP99.push(percentile(storm.latencies, 99) - percentile(baseline, 99))
      }
      results.push({
        n,
        storms: refreshesPerStorm.length,
        refreshesPerStorm,
        addedP50Ms: median(addedP50),
        addedP99Ms: median(addedP99),
        baselineP50Ms: median(baselineP50),
        refreshMs: median(refreshMs),
      })
    }
  } finally {
    auth.dispose()
    await proxy.stop()
  }

  printTable(
    '2. Refresh storm (N concurrent getOne at expiry vs N on a fresh token, via a counting proxy; added = median over storms)',
    results.map((r) => ({
      N: r.n,
      storms: r.storms,
      'auth-refresh per storm': [...new Set(r.refreshesPerStorm)].join(', '),
      'fresh-token p50': ms(r.baselineP50Ms, 2),
      'added p50': ms(r.addedP50Ms, 2),
      'added p99': ms(r.addedP99Ms, 2),
      'refresh on the critical path (p50)': ms(r.refreshMs, 2),
    })),
  )
  return results
}
