/**
 * `npm run bench:fleet` (issue 17): a fleet of worker processes (20 by default) that sign in as one superuser
 * identity, with 15 s tokens and PocketBase's rate limiter on (`*:auth` 2 per 3 s per IP), each making one call
 * after another (`GET /api/collections`, a superuser API) for 3 minutes. Three runs, each on a fresh PocketBase
 * behind a counting proxy:
 *
 * 1. without a share: every worker signs in and refreshes on its own;
 * 2. with `createRedisSessionShare` (ioredis) on a real redis-server;
 * 3. the same with Redis killed a third of the way through and started again at two thirds.
 *
 * Reported per run: auth-with-password and auth-refresh requests (counted at the proxy), auth-refresh per 15 s
 * (one token lifetime), how many tokens were presented to auth-refresh more than once (by the workers' own
 * counts: a lifetime refreshed twice), failed calls (by code), `error` events, and the time from spawning the
 * fleet to every worker's first successful call. A token is refreshed about 3 s before it expires (the refresh
 * skew is capped at 20 % of the lifetime), so one refresh per token is one per ~12 s: 1.25 per 15 s. Workers are test/fixtures/fleet-worker.ts under node + tsx (the package's source).
 *
 * Usage: `npm run bench:fleet` (about 11 minutes), `npm run bench:fleet -- --seconds 60 --workers 10`.
 */
import {
  refreshedTwice,
  startFleet,
  startFleetServer,
  total,
  type WorkerReport,
} from '../test/helpers/fleet.js'
import { startRedisServer, type RedisServer } from '../test/helpers/redis-server.js'
import { printTable, sleep } from './stats.js'

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback
}
const WORKERS = arg('workers', 20)
const SECONDS = arg('seconds', 180)
const TOKEN_SECONDS = 15
const SEAL_KEY = 'bench-fleet-seal-key-0123456789-abcdefghij'

interface RunResult {
  run: string
  'auth-with-password': number
  'auth-refresh': number
  'auth-refresh per 15 s': string
  'tokens refreshed twice': number
  'failed calls': string
  calls: number
  'error events': number
  'cold start (s)': string
}

async function run(name: string, redis: RedisServer | undefined, outage: boolean): Promise<RunResult> {
  const server = await startFleetServer(TOKEN_SECONDS)
  const spawnedAt = performance.now()
  let coldStartMs = Number.NaN
  const fleet = await startFleet(WORKERS, {
    PB_URL: server.url,
    IDENTITY: server.identity,
    PASSWORD_FILE: server.passwordFile,
    CALL_EVERY_MS: '200',
    ...(redis === undefined
      ? { REDIS_URL: '' }
      : {
          REDIS_URL: redis.url,
          REDIS_CLIENT: 'ioredis',
          SHARE_KEY: `pb:bench:${name.replace(/[^a-z0-9]+/gi, '-')}`,
          POCKETBASE_SHARE_KEY: SEAL_KEY,
        }),
  })
  let last: WorkerReport[] = []
  try {
    const readyAt = performance.now()
    const endAt = readyAt + SECONDS * 1000
    let killed = false
    let restarted = false
    while (performance.now() < endAt) {
      const reports = await fleet.reports()
      if (Number.isNaN(coldStartMs) && reports.every((report) => report.ok > 0)) {
        coldStartMs = performance.now() - spawnedAt
      }
      const elapsed = performance.now() - readyAt
      if (outage && redis !== undefined && !killed && elapsed > (SECONDS * 1000) / 3) {
        killed = true
        await redis.kill()
        console.log(`  ${name}: Redis killed at ${(elapsed / 1000).toFixed(0)} s`)
      }
      if (outage && redis !== undefined && killed && !restarted && elapsed > (2 * SECONDS * 1000) / 3) {
        restarted = true
        await redis.restart()
        console.log(`  ${name}: Redis restarted at ${(elapsed / 1000).toFixed(0)} s`)
      }
      await sleep(500)
    }
    last = await fleet.stop()
  } finally {
    fleet.kill()
    await server.stop()
  }
  const failures: Record<string, number> = {}
  for (const report of last) {
    for (const [code, count] of Object.entries(report.failures))
      failures[code] = (failures[code] ?? 0) + count
  }
  // Anything off the expected path, worker by worker, so a surprising total can be explained.
  const expectedErrors = outage ? 1 : 0
  for (const report of last) {
    const signIns = report.sent['POST /api/collections/_superusers/auth-with-password'] ?? 0
    if (report.errorEvents !== expectedErrors || (redis !== undefined && signIns > 0)) {
      console.log(
        `  ${name}: worker ${report.pid}: error events ${JSON.stringify(report.errorCodes)}, own sign-ins ${signIns}, signedIn events ${report.signedIn}`,
      )
    }
  }
  const failed = total(last, (report) => report.failed)
  const lifetimes = SECONDS / TOKEN_SECONDS
  return {
    run: name,
    'auth-with-password': server.passwordSignIns(),
    'auth-refresh': server.refreshes(),
    'auth-refresh per 15 s': (server.refreshes() / lifetimes).toFixed(1),
    'tokens refreshed twice': refreshedTwice(last).length,
    'failed calls': failed === 0 ? '0' : `${failed} ${JSON.stringify(failures)}`,
    calls: total(last, (report) => report.calls),
    'error events': total(last, (report) => report.errorEvents),
    'cold start (s)': Number.isNaN(coldStartMs) ? 'never' : (coldStartMs / 1000).toFixed(1),
  }
}

console.log(
  `bench:fleet: ${WORKERS} workers, ${SECONDS} s per run, ${TOKEN_SECONDS} s tokens, rate limiter on; node ${process.version}`,
)
const redis = await startRedisServer()
const results: RunResult[] = []
try {
  results.push(await run('no share', undefined, false))
  console.log('  done: no share')
  results.push(await run('Redis share', redis, false))
  console.log('  done: Redis share')
  results.push(await run('Redis share, Redis killed 1/3-2/3', redis, true))
} finally {
  await redis.stop()
}
printTable(
  `${WORKERS} workers, one superuser, ${TOKEN_SECONDS} s tokens, ${SECONDS} s per run (${SECONDS / TOKEN_SECONDS} token lifetimes), rate limiter on`,
  results as unknown as Record<string, string | number>[],
)
