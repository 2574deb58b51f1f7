/**
 * `npm run bench`: builds `dist/`, starts its own PocketBase (dev/), runs the four benchmarks against the built
 * package, prints tables, stops. The outage benchmark starts (and stops, and restarts) a PocketBase of its own.
 * `--expose-gc` lets the heap-per-client figure collect garbage before each reading.
 * Bounded: a watchdog ends the run after 7 minutes (the outage benchmark alone takes about 80 s; a full run took
 * 286 s on a loaded 2-core machine).
 */
import { runAdapterOverhead } from './adapter-overhead.js'
import { startBenchServer } from './fixture.js'
import { runManyClients } from './many-clients.js'
import { runOAuth2Starts } from './oauth2-starts.js'
import { runOutage } from './outage.js'
import { runRefreshStorm } from './refresh-storm.js'

const WATCHDOG_MS = 420_000
const quick = process.argv.includes('--quick')

const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${WATCHDOG_MS / 1000} s; giving up`)
  process.exit(1)
}, WATCHDOG_MS)
watchdog.unref()

const started = performance.now()
console.log(
  `pocketbase-auth bench: node ${process.version}, ${process.platform}-${process.arch}, gc ${'gc' in globalThis ? 'exposed' : 'not exposed'}`,
)
const server = await startBenchServer()
try {
  await runAdapterOverhead(
    server,
    quick ? { warmupRounds: 50, rounds: 200 } : { warmupRounds: 300, rounds: 2000 },
  )
  await runRefreshStorm(server, [10, 100, 1000], (n) => (quick ? 2 : n >= 1000 ? 5 : 10))
} finally {
  await server.pb.stop()
}
await runManyClients(10_000, 10, quick ? 4_000 : 12_000)
await runOAuth2Starts([0, 10_000, 60_000], quick ? 200 : 1_000)
await runOutage(quick ? { tailMs: 5_000, maxTailMs: 30_000 } : {})
console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(1)} s`)
clearTimeout(watchdog)
