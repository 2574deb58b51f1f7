/**
 * `npm run bench`: builds `dist/`, then runs every benchmark against the built package and prints its tables.
 * `npm run bench -- <name> …` runs only the named ones (`adapter`, `realtime`, `storm`, `ssr`, `clients`, `oauth2`,
 * `outage`, `server`); `--quick` runs smaller samples (for a smoke test, not for numbers). Benchmarks that need a
 * PocketBase share one (the kit's); the outage and server benchmarks start their own.
 * `--expose-gc` lets the heap-per-client figures collect garbage before each reading.
 * Bounded: a watchdog ends the run after 20 minutes (a full run takes about 10 on a quiet 2-core machine).
 */
import { runAdapterOverhead } from './adapter-overhead.js'
import { startBenchServer, type BenchServer } from './fixture.js'
import { runManyClients } from './many-clients.js'
import { runOAuth2Starts } from './oauth2-starts.js'
import { runOutage } from './outage.js'
import { runRealtime } from './realtime.js'
import { runRefreshStorm } from './refresh-storm.js'
import { runServerBench } from './server-backend.js'
import { runSsrBench } from './ssr.js'

const WATCHDOG_MS = 20 * 60_000
const quick = process.argv.includes('--quick')
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'))

/** One benchmark: its name on the command line, and how to run it (with the shared PocketBase when it needs one). */
interface Benchmark {
  readonly name: string
  readonly run: (server: () => Promise<BenchServer>) => Promise<unknown>
}

const BENCHMARKS: readonly Benchmark[] = [
  {
    name: 'adapter',
    run: async (server) =>
      runAdapterOverhead(
        await server(),
        quick ? { warmupRounds: 50, rounds: 200 } : { warmupRounds: 300, rounds: 2000 },
      ),
  },
  {
    name: 'realtime',
    run: async (server) =>
      runRealtime(
        await server(),
        quick
          ? { warmupRounds: 20, rounds: 100, subscriptions: 1000 }
          : { warmupRounds: 100, rounds: 1000, subscriptions: 1000 },
      ),
  },
  {
    name: 'storm',
    run: async (server) =>
      runRefreshStorm(await server(), [10, 100, 1000], (n) => (quick ? 2 : n >= 1000 ? 5 : 10)),
  },
  {
    name: 'ssr',
    run: async (server) =>
      runSsrBench(
        await server(),
        quick ? { warmupRounds: 50, rounds: 200 } : { warmupRounds: 300, rounds: 2000 },
      ),
  },
  { name: 'clients', run: () => runManyClients(10_000, 10, quick ? 4_000 : 12_000) },
  { name: 'oauth2', run: () => runOAuth2Starts([0, 10_000, 60_000], quick ? 200 : 1_000) },
  { name: 'outage', run: () => runOutage(quick ? { tailMs: 5_000, maxTailMs: 30_000 } : {}) },
  {
    name: 'server',
    run: () =>
      runServerBench(
        quick
          ? { users: 200, rounds: 1, requestsPerUser: 5, concurrency: 64, burst: 500, hitCalls: 20_000 }
          : { users: 1_000, rounds: 3, requestsPerUser: 20, concurrency: 64, burst: 500, hitCalls: 200_000 },
      ),
  },
]

const unknown = only.filter((name) => !BENCHMARKS.some((benchmark) => benchmark.name === name))
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
  )
  process.exit(2)
}

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 1000} s; giving up`)
  process.exit(1)
}, WATCHDOG_MS)
watchdog.unref()

const started = performance.now()
console.log(
  `pocketbase-auth bench: node ${process.version}, ${process.platform}-${process.arch}, gc ${'gc' in globalThis ? 'exposed' : 'not exposed'}`,
)
let shared: Promise<BenchServer> | undefined
const server = (): Promise<BenchServer> => (shared ??= startBenchServer())
try {
  for (const benchmark of BENCHMARKS) {
    if (only.length === 0 || only.includes(benchmark.name)) await benchmark.run(server)
  }
} finally {
  if (shared !== undefined) await (await shared).pb.stop()
}
console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`)
clearTimeout(watchdog)
