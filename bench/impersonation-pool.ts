/**
 * `npm run bench:pool` (issue 17): a job acting for 10,000 distinct users through `createImpersonationPool` with
 * `max: 500`, for 5 minutes, against a real PocketBase behind a counting proxy. 50 tasks run at once; each
 * acquires a user's child and reads that user's own record through it. Half the picks come from 300 "hot" users
 * (pool hits), half sweep through all 10,000 (misses: an impersonation request, and an eviction). Impersonation
 * tokens last 60 s, so pooled children renew in the background during the run.
 *
 * Reported every 30 s: heap used after a full GC (`--expose-gc`), live timers of the process
 * (counted by wrapping `setTimeout`; they include the per-request deadlines of the calls in flight), pool size;
 * after the tasks stop, the live timers at rest, and those of them not made by Node's fetch (undici keeps a
 * timer per open keep-alive socket): the pooled children's, the pool's sweep and the superuser's; and at the end: calls, failed calls, impersonation requests,
 * distinct users served.
 *
 * Usage: `npm run bench:pool` (about 6 minutes), `npm run bench:pool -- --seconds 60 --users 2000 --max 100`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startCountingProxy } from '../dev/index.js'
import { createImpersonationPool } from '../src/admin/index.js'
import {
  createAuthClient,
  createDbInterface,
  isAuthError,
  type AuthClient,
  type DbInterface,
} from '../src/index.js'
import { startPocketBase } from '../src/testing/index.js'
import { printTable, sleep } from './stats.js'

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`)
  const value = index === -1 ? undefined : Number(process.argv[index + 1])
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback
}
const USERS = arg('users', 10_000)
const MAX = arg('max', 500)
const SECONDS = arg('seconds', 300)
const TASKS = 50
const HOT = 300
const SAMPLE_EVERY_MS = 30_000

/** A migration that inserts the users by SQL: no password hashing, since nobody signs in as them. */
const migration = (count: number): string => `migrate((app) => {
  const hash = '$2a$10$7EqJtq98hPqEX7fNZaFWoOa8bL7cG/8k1G8oFhIGZ3Fc1hGx8KZ2e'
  const now = "strftime('%Y-%m-%d %H:%M:%fZ')"
  for (let i = 0; i < ${count}; i++) {
    app.db().newQuery(
      "INSERT INTO users (id, email, password, tokenKey, verified, emailVisibility, name, avatar, created, updated) " +
        "VALUES ({:id}, {:email}, {:password}, {:tokenKey}, 1, 0, '', '', " + now + ", " + now + ")",
    ).bind({ id: 'bench' + String(i).padStart(10, '0'), email: 'bench-' + i + '@example.com', password: hash, tokenKey: $security.randomString(50) }).execute()
  }
})
`
const userId = (index: number): string => `bench${String(index).padStart(10, '0')}`
/**
 * Live timers of this process, counted by wrapping `setTimeout`/`clearTimeout` before any client exists (the
 * clients' timers are unref'd, so `process.getActiveResourcesInfo()` does not list them). Each is tagged with
 * whether Node's fetch (undici: socket keep-alive, header and body timeouts) made it, from a short stack.
 */
const liveTimers = new Map<unknown, boolean>()
const realSetTimeout = globalThis.setTimeout
const realClearTimeout = globalThis.clearTimeout
const madeByUndici = (): boolean => {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 4
  const stack = new Error().stack ?? ''
  Error.stackTraceLimit = limit
  return stack.includes('undici')
}
globalThis.setTimeout = ((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
  const timer: unknown = realSetTimeout(
    (...callArgs: unknown[]) => {
      liveTimers.delete(timer)
      callback(...callArgs)
    },
    delay,
    ...args,
  )
  liveTimers.set(timer, madeByUndici())
  return timer
}) as typeof setTimeout
globalThis.clearTimeout = ((timer?: Parameters<typeof clearTimeout>[0]) => {
  liveTimers.delete(timer)
  realClearTimeout(timer)
}) as typeof clearTimeout
const timeouts = (): number => liveTimers.size
const ownTimeouts = (): number => [...liveTimers.values()].filter((undici) => !undici).length
const heapMb = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

console.log(
  `bench:pool: ${USERS} users, pool max ${MAX}, ${TASKS} tasks, ${SECONDS} s; node ${process.version}, gc ${'gc' in globalThis ? 'exposed' : 'NOT exposed (heap figures include garbage)'}`,
)
const dir = await mkdtemp(path.join(tmpdir(), 'pb-pool-bench-'))
await writeFile(path.join(dir, '1_users.js'), migration(USERS))
const pb = await startPocketBase({ migrationsDir: dir, mail: false })
const proxy = await startCountingProxy(pb.url)
const superuser = createAuthClient({
  url: proxy.url,
  collection: '_superusers',
  credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
})
const pool = createImpersonationPool(superuser, {
  collection: 'users',
  max: MAX,
  idleSeconds: 60,
  durationSeconds: 60,
})
const dbs = new WeakMap<AuthClient, DbInterface>()
const served = new Set<string>()
const failures: Record<string, number> = {}
let calls = 0
let failed = 0
let sweep = 0
let stopping = false

const samples: Record<string, string | number>[] = []
const sample = (at: number): void => {
  samples.push({
    s: Math.round(at / 1000),
    'heap used (MB, after GC)': heapMb().toFixed(1),
    'live timers': timeouts(),
    'pool size': pool.size,
    calls,
    'failed calls': failed,
  })
}

try {
  await superuser.getToken()
  const baseline = { heap: heapMb(), timeouts: timeouts() }
  console.log(`  baseline: heap ${baseline.heap.toFixed(1)} MB, ${baseline.timeouts} live timers`)
  const startedAt = performance.now()
  const task = async (seed: number): Promise<void> => {
    let pick = seed
    while (!stopping) {
      pick++
      const id = pick % 2 === 0 ? userId(Math.floor(Math.random() * HOT)) : userId(sweep++ % USERS)
      calls++
      try {
        const child = await pool.acquire(id)
        let db = dbs.get(child)
        if (db === undefined) dbs.set(child, (db = createDbInterface(child)))
        const own = await db.collection('users').getOne(id)
        if (own.id !== id) throw new Error('wrong record')
        served.add(id)
      } catch (error) {
        failed++
        const code = isAuthError(error) ? error.code : String(error)
        failures[code] = (failures[code] ?? 0) + 1
      }
    }
  }
  const tasks = Array.from({ length: TASKS }, (_, i) => task(i))
  sample(0)
  while (performance.now() - startedAt < SECONDS * 1000) {
    await sleep(Math.min(SAMPLE_EVERY_MS, SECONDS * 1000 - (performance.now() - startedAt)))
    sample(performance.now() - startedAt)
  }
  stopping = true
  await Promise.all(tasks)
  // No request in flight any more: what is left is the pooled children's timers, the pool's and the superuser's.
  const atRest = { timers: timeouts(), own: ownTimeouts(), pool: pool.size }
  const impersonations = Object.entries(proxy.counts())
    .filter(([key]) => key.startsWith('POST /api/collections/users/impersonate/'))
    .reduce((sum, [, count]) => sum + count, 0)
  printTable(
    `Impersonation pool: ${USERS} users, max ${MAX}, ${TASKS} tasks, ${SECONDS} s (60 s tokens)`,
    samples,
  )
  printTable('Totals', [
    {
      calls,
      'failed calls': failed === 0 ? '0' : `${failed} ${JSON.stringify(failures)}`,
      'impersonation requests': impersonations,
      'distinct users served': served.size,
      'max live timers (incl. request deadlines)': Math.max(
        ...samples.map((row) => Number(row['live timers'])),
      ),
      'live timers at rest': atRest.timers,
      'at rest, not undici': atRest.own,
      'pool size at rest': atRest.pool,
      'baseline live timers': baseline.timeouts,
      'max heap (MB)': Math.max(...samples.map((row) => Number(row['heap used (MB, after GC)']))).toFixed(1),
      'baseline heap (MB)': baseline.heap.toFixed(1),
    },
  ])
} finally {
  stopping = true
  await pool.dispose()
  superuser.dispose()
  await proxy.stop()
  await pb.stop()
  await rm(dir, { recursive: true, force: true })
}
