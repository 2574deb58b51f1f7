/**
 * `pocketbase-auth/server` benchmark. A real PocketBase (its own, with 1,000 users), a counting proxy in front of it,
 * and an Express backend in a child process (`server-backend-app.ts`). The load generator (this process) sends
 * 1,000 distinct users x 20 requests, interleaved user by user, 64 at a time, once through the verifier and once
 * through the naive approach (one auth-refresh per request with the official SDK), and reports requests per second,
 * p50/p99 latency, the upstream requests the proxy counted, and the CPU time per request spent by the backend and
 * by PocketBase (on a shared machine requests/s follows the CPU share the run gets; CPU per request does not). Then: 500 concurrent requests carrying one new token,
 * and the verifier alone, in this process, on a cache hit (both hashes).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createUser, startCountingProxy } from '../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../src/testing/index.js'
import type * as ServerEntry from '../src/server/node.js'
import { prepareAuthCollection, signIn } from '../test/server/helpers/pocketbase-setup.js'
import { median, percentile, printTable } from './stats.js'

const dist = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href
const nodeEntry = (await import(dist('server.node.js'))) as typeof ServerEntry
const neutralEntry = (await import(dist('server.js'))) as typeof ServerEntry

/** Sizes of the run. */
export interface ServerBenchOptions {
  users: number
  requestsPerUser: number
  concurrency: number
  burst: number
  hitCalls: number
}

interface LoadResult {
  requests: number
  seconds: number
  latencies: number[]
  upstream: number
  failures: number
  /** CPU µs per request spent by the backend process and by PocketBase (what the machine must provide). */
  backendCpu?: number
  pocketBaseCpu?: number
}

const REFRESH = 'POST /api/collections/users/auth-refresh'
const REFRESH_BY_ID = 'POST /api/collections/_pb_users_auth_/auth-refresh'

export async function runServerBench(options: ServerBenchOptions): Promise<void> {
  const pb = await startPocketBase()
  const proxy = await startCountingProxy(pb.url)
  let child: ChildProcess | undefined
  try {
    await prepareAuthCollection(pb, 'users') // bcrypt cost 4: the set-up signs in 1,000 users
    const tokens = await signInUsers(pb, options.users)
    const started = await startApp(proxy.url)
    child = started.child
    const backend = `http://127.0.0.1:${started.port}`
    const upstream = (): number => proxy.count(REFRESH) + proxy.count(REFRESH_BY_ID)

    await load(`${backend}/verifier/me`, tokens.slice(0, 50), 2, options.concurrency) // warm-up (JIT, sockets)
    await load(`${backend}/naive/me`, tokens.slice(0, 50), 2, options.concurrency)
    const results: Record<'verifier' | 'naive' | 'none', LoadResult> = {} as never
    for (const variant of ['verifier', 'naive', 'none'] as const) {
      proxy.reset()
      const before = { backend: await backendCpu(backend), pb: pocketBaseCpu(pb) }
      const run = await load(
        `${backend}/${variant}/me`,
        tokens.slice(50),
        options.requestsPerUser,
        options.concurrency,
      )
      const after = { backend: await backendCpu(backend), pb: pocketBaseCpu(pb) }
      results[variant] = {
        ...run,
        upstream: upstream(),
        backendCpu: (after.backend - before.backend) / run.requests,
        ...(after.pb === undefined || before.pb === undefined
          ? {}
          : { pocketBaseCpu: (after.pb - before.pb) / run.requests }),
      }
    }

    const burstToken = (await signInUsers(pb, 1))[0]!
    proxy.reset()
    const burst = await Promise.all(
      Array.from({ length: options.burst }, () =>
        fetch(`${backend}/verifier/me`, { headers: { authorization: `Bearer ${burstToken}` } }).then(
          (r) => r.status,
        ),
      ),
    )
    const burstUpstream = upstream()

    const hits = {
      'node:crypto (node condition)': await cacheHitLatencies(
        nodeEntry,
        pb.url,
        tokens[0]!,
        options.hitCalls,
      ),
      'plain JS SHA-256 (default)': await cacheHitLatencies(
        neutralEntry,
        pb.url,
        tokens[0]!,
        options.hitCalls,
      ),
    }
    report(
      options,
      results,
      { ok: burst.filter((status) => status === 200).length, upstream: burstUpstream },
      hits,
    )
  } finally {
    child?.kill('SIGTERM')
    await proxy.stop()
    await pb.stop()
  }
}

/** Creates `count` users (+50 for warm-up) and signs each in once; returns their tokens. */
async function signInUsers(pb: PocketBaseHandle, count: number): Promise<string[]> {
  const tokens: string[] = []
  const queue = Array.from({ length: count === 1 ? 1 : count + 50 }, (_, index) => index)
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const user = await createUser(pb, 'users', { verified: true })
        tokens.push(await signIn(pb.url, 'users', user.email, user.password))
      }
    }),
  )
  return tokens
}

async function startApp(pbUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const app = fileURLToPath(new URL('./server-backend-app.ts', import.meta.url))
  const child = spawn(process.execPath, ['--import', 'tsx', app], {
    env: { ...process.env, PB_URL: pbUrl },
    stdio: ['pipe', 'pipe', 'inherit'], // the child exits when its stdin closes, i.e. when this process ends
  })
  const lines = createInterface({ input: child.stdout! })
  for await (const line of lines) {
    const { port } = JSON.parse(line) as { port: number }
    return { child, port }
  }
  throw new Error('the benchmark backend exited before it listened')
}

async function backendCpu(backend: string): Promise<number> {
  const response = await fetch(`${backend}/cpu`)
  return ((await response.json()) as { micros: number }).micros
}

/** PocketBase's CPU time in µs, from /proc (Linux); `undefined` elsewhere. */
function pocketBaseCpu(pb: PocketBaseHandle): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pb.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) // utime + stime, in clock ticks (100 per second)
    return Number.isFinite(ticks) ? ticks * 10_000 : undefined
  } catch {
    return undefined
  }
}

/** Sends `perUser` requests for every token, interleaved (round by round), `concurrency` at a time. */
async function load(
  url: string,
  tokens: readonly string[],
  perUser: number,
  concurrency: number,
): Promise<LoadResult> {
  const plan: string[] = []
  for (let round = 0; round < perUser; round++) plan.push(...tokens)
  const latencies: number[] = []
  let failures = 0
  let cursor = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (cursor < plan.length) {
        const token = plan[cursor++]!
        const sent = performance.now()
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } })
        await response.arrayBuffer()
        latencies.push(performance.now() - sent)
        if (response.status !== 200) failures++
      }
    }),
  )
  return {
    requests: plan.length,
    seconds: (performance.now() - start) / 1000,
    latencies,
    upstream: 0,
    failures,
  }
}

/** Per-call latency (µs) of `verify()` on a cached token, in this process. */
async function cacheHitLatencies(
  entry: typeof ServerEntry,
  url: string,
  token: string,
  calls: number,
): Promise<number[]> {
  const verifier = entry.createTokenVerifier({ url })
  await verifier.verify(token)
  for (let i = 0; i < 20_000; i++) await verifier.verify(token) // warm-up
  const micros: number[] = []
  for (let i = 0; i < calls; i++) {
    const start = performance.now()
    await verifier.verify(token)
    micros.push((performance.now() - start) * 1000)
  }
  if (verifier.stats().confirmations !== 1)
    throw new Error('the cache-hit benchmark asked PocketBase more than once')
  return micros
}

function report(
  options: ServerBenchOptions,
  results: Record<'verifier' | 'naive' | 'none', LoadResult>,
  burst: { ok: number; upstream: number },
  hits: Record<string, number[]>,
): void {
  const row = (name: string, r: LoadResult): Record<string, string | number> => ({
    variant: name,
    requests: r.requests,
    failures: r.failures,
    'requests/s': Math.round(r.requests / r.seconds),
    'p50 ms': median(r.latencies).toFixed(2),
    'p99 ms': percentile(r.latencies, 99).toFixed(2),
    seconds: r.seconds.toFixed(1),
    'upstream auth-refresh': r.upstream,
    'backend CPU µs/req': r.backendCpu?.toFixed(0) ?? '-',
    'PocketBase CPU µs/req': r.pocketBaseCpu?.toFixed(0) ?? '-',
  })
  printTable(
    `pocketbase-auth/server through Express: ${options.users} users x ${options.requestsPerUser} requests, ${options.concurrency} concurrent`,
    [
      row('verifier (cache 30 s)', results.verifier),
      row('naive (auth-refresh per request)', results.naive),
      row('no authentication (baseline)', results.none),
    ],
  )
  const rps = (r: LoadResult): number => r.requests / r.seconds
  console.log(
    `ratios: requests/s ${(rps(results.verifier) / rps(results.naive)).toFixed(1)}x (goal >= 3x); upstream ${(
      results.naive.upstream / Math.max(1, results.verifier.upstream)
    ).toFixed(
      1,
    )}x fewer (goal 20x: one per token per TTL); p50 ${(median(results.naive.latencies) / median(results.verifier.latencies)).toFixed(1)}x lower`,
  )
  const cpu = (r: LoadResult): number => (r.backendCpu ?? 0) + (r.pocketBaseCpu ?? 0)
  console.log(
    `CPU per request added to the unauthenticated route: verifier ${(cpu(results.verifier) - cpu(results.none)).toFixed(0)} µs, naive ${(
      cpu(results.naive) - cpu(results.none)
    ).toFixed(0)} µs`,
  )
  console.log(
    `CPU per request, backend + PocketBase: verifier ${cpu(results.verifier).toFixed(0)} µs, naive ${cpu(results.naive).toFixed(0)} µs (${(
      cpu(results.naive) / cpu(results.verifier)
    ).toFixed(1)}x): what requests/s comes to when the machine is not shared`,
  )
  // The verifier's cache holds a token for 30 s: a run longer than that confirms each token once per 30 s window.
  const windows = Math.ceil(results.verifier.seconds / 30)
  console.log(
    `verifier run: ${results.verifier.seconds.toFixed(1)} s = ${windows} TTL window(s) of 30 s; upstream per token per window: ${(
      results.verifier.upstream /
      (options.users * windows)
    ).toFixed(2)} (goal 1)`,
  )
  console.log(
    `${options.burst} concurrent requests with one new token: ${burst.ok} answered 200, ${burst.upstream} upstream auth-refresh (goal 1)`,
  )
  printTable(
    `verify() on a cache hit, in process (${options.hitCalls.toLocaleString('en')} calls), µs`,
    Object.entries(hits).map(([hash, micros]) => ({
      hash,
      p50: median(micros).toFixed(2),
      p99: percentile(micros, 99).toFixed(2),
      'p99.9': percentile(micros, 99.9).toFixed(2),
    })),
  )
}
