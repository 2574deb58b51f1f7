/**
 * `pocketbase-auth/server` benchmark. A real PocketBase (its own, with 1,000 users), a counting proxy in front of it,
 * and an Express backend in a child process (`server-backend-app.ts`). The load generator (this process) sends
 * 1,000 distinct users x 20 requests, interleaved user by user, 64 at a time, through the verifier (its cache
 * emptied first), through the naive approach (one auth-refresh per request with the official SDK) and through the
 * same route without authentication; three rounds, each in a freshly shuffled order, medians reported. It reports
 * requests per second, p50/p99 latency, the upstream requests the proxy counted, and the CPU time per request spent
 * by the backend and by PocketBase (on a shared machine requests/s follows the CPU share the run gets; CPU per
 * request does not). Then: 500 concurrent requests carrying one new token, and the verifier alone, in this
 * process, on a cache hit (both hashes).
 *
 * The load generator is `node:http` with keep-alive sockets, not `fetch`: it shares the 2 cores with the backend
 * and PocketBase, and `fetch` spent about as much CPU per request as Express did, so it capped every variant near
 * the same figure (3,300 requests/s for the route without authentication, against 7,000 with `node:http`).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createUser, startCountingProxy } from '../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../src/testing/index.js'
import type * as ServerEntry from '../src/server/node.js'
import { prepareAuthCollection, signIn } from '../test/server/helpers/pocketbase-setup.js'
import { median, percentile, printTable, seededRandom, shuffled } from './stats.js'

const dist = (file: string): string => new URL(`../dist/${file}`, import.meta.url).href
const nodeEntry = (await import(dist('server.node.js'))) as typeof ServerEntry
const neutralEntry = (await import(dist('server.js'))) as typeof ServerEntry

/** Sizes of the run. */
export interface ServerBenchOptions {
  users: number
  /** Rounds of the three variants; the table shows each figure's median over them. */
  rounds: number
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

type Variant = 'verifier' | 'naive' | 'none'
const VARIANTS: readonly Variant[] = ['verifier', 'naive', 'none']

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
    const results: Record<Variant, LoadResult[]> = { verifier: [], naive: [], none: [] }
    const random = seededRandom(0x5eed)
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of shuffled(VARIANTS, random)) {
        if (variant === 'verifier') await fetch(`${backend}/verifier/clear`, { method: 'POST' }) // every round confirms anew
        proxy.reset()
        const before = { backend: await backendCpu(backend), pb: pocketBaseCpu(pb) }
        const run = await load(
          `${backend}/${variant}/me`,
          tokens.slice(50),
          options.requestsPerUser,
          options.concurrency,
        )
        const after = { backend: await backendCpu(backend), pb: pocketBaseCpu(pb) }
        results[variant].push({
          ...run,
          upstream: upstream(),
          backendCpu: (after.backend - before.backend) / run.requests,
          ...(after.pb === undefined || before.pb === undefined
            ? {}
            : { pocketBaseCpu: (after.pb - before.pb) / run.requests }),
        })
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
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const latencies: number[] = []
  let failures = 0
  let cursor = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (cursor < plan.length) {
        const token = plan[cursor++]!
        const sent = performance.now()
        const status = await get(agent, url, token)
        latencies.push(performance.now() - sent)
        if (status !== 200) failures++
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  agent.destroy()
  return {
    requests: plan.length,
    seconds,
    latencies,
    upstream: 0,
    failures,
  }
}

/** One `GET url` with the token as a Bearer credential over a keep-alive socket; resolves the status once the body has been read. */
function get(agent: Agent, url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.on('error', reject)
      response.on('end', () => resolve(response.statusCode ?? 0))
      response.resume() // read and drop the body
    })
    request.on('error', reject)
    request.end()
  })
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

/** One variant over its rounds: the median of each figure, and the range of requests per second. */
interface Summary {
  rps: number
  rpsRange: [number, number]
  p50: number
  p99: number
  failures: number
  upstream: number[]
  seconds: number[]
  backendCpu: number | undefined
  pocketBaseCpu: number | undefined
}

function summarize(runs: readonly LoadResult[]): Summary {
  const rps = runs.map((r) => r.requests / r.seconds)
  const defined = (values: (number | undefined)[]): number | undefined => {
    const known = values.filter((value): value is number => value !== undefined)
    return known.length === 0 ? undefined : median(known)
  }
  return {
    rps: median(rps),
    rpsRange: [Math.min(...rps), Math.max(...rps)],
    p50: median(runs.map((r) => median(r.latencies))),
    p99: median(runs.map((r) => percentile(r.latencies, 99))),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
    upstream: runs.map((r) => r.upstream),
    seconds: runs.map((r) => r.seconds),
    backendCpu: defined(runs.map((r) => r.backendCpu)),
    pocketBaseCpu: defined(runs.map((r) => r.pocketBaseCpu)),
  }
}

function report(
  options: ServerBenchOptions,
  results: Record<Variant, LoadResult[]>,
  burst: { ok: number; upstream: number },
  hits: Record<string, number[]>,
): void {
  const verifier = summarize(results.verifier)
  const naive = summarize(results.naive)
  const none = summarize(results.none)
  const row = (name: string, r: Summary): Record<string, string | number> => ({
    variant: name,
    'requests/s (median)': Math.round(r.rps),
    'requests/s (min-max)': `${Math.round(r.rpsRange[0])}-${Math.round(r.rpsRange[1])}`,
    'p50 ms': r.p50.toFixed(2),
    'p99 ms': r.p99.toFixed(2),
    failures: r.failures,
    'upstream auth-refresh per run': r.upstream.join(' / '),
    'backend CPU µs/req': r.backendCpu?.toFixed(0) ?? '-',
    'PocketBase CPU µs/req': r.pocketBaseCpu?.toFixed(0) ?? '-',
  })
  printTable(
    `pocketbase-auth/server through Express: ${options.users} users x ${options.requestsPerUser} requests, ${options.concurrency} concurrent, ${options.rounds} rounds (medians)`,
    [
      row('verifier (cache 30 s, emptied each round)', verifier),
      row('naive (auth-refresh per request)', naive),
      row('no authentication (baseline)', none),
    ],
  )
  const perRound = results.verifier.map(
    (run, round) =>
      run.requests / run.seconds / (results.naive[round]!.requests / results.naive[round]!.seconds),
  )
  console.log(
    `ratios: requests/s ${(verifier.rps / naive.rps).toFixed(1)}x (goal >= 3x; per round ${perRound
      .map((ratio) => `${ratio.toFixed(1)}x`)
      .join(', ')}); upstream ${(median(naive.upstream) / Math.max(1, median(verifier.upstream))).toFixed(
      1,
    )}x fewer (goal 20x: one per token per TTL); p50 ${(naive.p50 / verifier.p50).toFixed(1)}x lower`,
  )
  const cpu = (r: Summary): number => (r.backendCpu ?? 0) + (r.pocketBaseCpu ?? 0)
  console.log(
    `CPU per request added to the unauthenticated route: verifier ${(cpu(verifier) - cpu(none)).toFixed(0)} µs, naive ${(
      cpu(naive) - cpu(none)
    ).toFixed(0)} µs`,
  )
  console.log(
    `CPU per request, backend + PocketBase: verifier ${cpu(verifier).toFixed(0)} µs, naive ${cpu(naive).toFixed(0)} µs (${(
      cpu(naive) / cpu(verifier)
    ).toFixed(1)}x)`,
  )
  // The verifier's cache holds a token for 30 s: a run longer than that confirms each token once per 30 s window.
  const windows = verifier.seconds.map((seconds) => Math.ceil(seconds / 30))
  console.log(
    `verifier runs: ${verifier.seconds.map((seconds) => seconds.toFixed(1)).join(' / ')} s; upstream per token per 30 s window: ${verifier.upstream
      .map((count, round) => (count / (options.users * windows[round]!)).toFixed(2))
      .join(' / ')} (goal 1)`,
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
