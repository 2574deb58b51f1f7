/**
 * Adapter overhead: getOne and getList through createDbInterface vs the bare `pocketbase` SDK vs raw fetch,
 * against the same local PocketBase, interleaved round by round so drift hits all alike. Each round runs the
 * variants in a fresh shuffled order: with a fixed rotation every variant would always follow the same other
 * one and pay for the garbage (and deferred `fetch` clean-up) that one left behind.
 *
 * The adapter runs two ways: as created by default (the client's 30 s per-request timeout) and with
 * `{ timeoutMs: 0 }` (no time limit). The bare SDK runs three ways: with auto-cancellation off (the adapter's
 * setting), with its defaults (auto-cancellation on: an AbortController per request), and with the same
 * per-request timeout the adapter adds (an AbortController and a timer per request). Each adapter is compared
 * with the bare SDK doing the same work: the default adapter with "bare SDK + timeout", the adapter without a
 * time limit with "bare SDK"; the difference is the adapter's own overhead, apart from what a timeout costs in
 * `fetch`.
 */
import PocketBase from 'pocketbase'
import { createAuthClient, createDbInterface } from './library.js'
import type { BenchServer } from './fixture.js'
import { median, ms, percentile, printTable, seededRandom, shuffled } from './stats.js'

type Variant =
  'adapter' | 'adapter, timeoutMs: 0' | 'bare SDK' | 'bare SDK, defaults' | 'bare SDK + timeout' | 'raw fetch'

const VARIANTS: readonly Variant[] = [
  'adapter',
  'adapter, timeoutMs: 0',
  'bare SDK',
  'bare SDK, defaults',
  'bare SDK + timeout',
  'raw fetch',
]
type Operation = 'getOne' | 'getList(1,20)'

/** Options of the overhead benchmark. */
export interface OverheadOptions {
  warmupRounds: number
  rounds: number
}

/** Result row per operation: medians and ratios. */
export interface OverheadResult {
  operation: Operation
  medians: Record<Variant, number>
  p99: Record<Variant, number>
}

export async function runAdapterOverhead(
  server: BenchServer,
  options: OverheadOptions,
): Promise<OverheadResult[]> {
  const { pb, user, postId } = server
  const auth = createAuthClient({ url: pb.url })
  await auth.authWithPassword(user.email, user.password)
  const token = await auth.getToken()
  const db = createDbInterface(auth)
  const dbWithoutTimeout = createDbInterface(auth, { timeoutMs: 0 })
  const bare = new PocketBase(pb.url)
  bare.autoCancellation(false)
  bare.authStore.save(token, null)
  const bareDefaults = new PocketBase(pb.url)
  bareDefaults.authStore.save(token, null)
  const timeoutMs = 30_000
  const withTimeout = async <R>(call: (signal: AbortSignal) => Promise<R>): Promise<R> => {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    try {
      return await call(controller.signal)
    } finally {
      clearTimeout(timer)
    }
  }
  const headers = { Authorization: token }

  const calls: Record<Operation, Record<Variant, () => Promise<unknown>>> = {
    getOne: {
      adapter: () => db.collection('posts').getOne(postId),
      'adapter, timeoutMs: 0': () => dbWithoutTimeout.collection('posts').getOne(postId),
      'bare SDK': () => bare.collection('posts').getOne(postId),
      'bare SDK, defaults': () => bareDefaults.collection('posts').getOne(postId),
      'bare SDK + timeout': () =>
        withTimeout((signal) => bare.collection('posts').getOne(postId, { signal })),
      'raw fetch': async () => {
        const response = await fetch(`${pb.url}/api/collections/posts/records/${postId}`, { headers })
        if (!response.ok) throw new Error(`raw fetch ${response.status}`)
        return response.json()
      },
    },
    'getList(1,20)': {
      adapter: () => db.collection('posts').getList(1, 20),
      'adapter, timeoutMs: 0': () => dbWithoutTimeout.collection('posts').getList(1, 20),
      'bare SDK': () => bare.collection('posts').getList(1, 20),
      'bare SDK, defaults': () => bareDefaults.collection('posts').getList(1, 20),
      'bare SDK + timeout': () =>
        withTimeout((signal) => bare.collection('posts').getList(1, 20, { signal })),
      'raw fetch': async () => {
        const response = await fetch(`${pb.url}/api/collections/posts/records?page=1&perPage=20`, { headers })
        if (!response.ok) throw new Error(`raw fetch ${response.status}`)
        return response.json()
      },
    },
  }

  const results: OverheadResult[] = []
  for (const operation of Object.keys(calls) as Operation[]) {
    const variants = calls[operation]
    const names = Object.keys(variants) as Variant[]
    const samples = Object.fromEntries(VARIANTS.map((variant) => [variant, [] as number[]])) as Record<
      Variant,
      number[]
    >
    const random = seededRandom(0x5eed)
    for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
      for (const name of shuffled(names, random)) {
        const start = performance.now()
        await variants[name]()
        const elapsed = performance.now() - start
        if (round >= options.warmupRounds) samples[name].push(elapsed)
      }
    }
    const check = await db.collection('posts').getList(1, 20)
    if (check.items.length !== 20)
      throw new Error('the adapter did not see the user’s posts: not authenticated?')
    results.push({
      operation,
      medians: perVariant((variant) => median(samples[variant])),
      p99: perVariant((variant) => percentile(samples[variant], 99)),
    })
  }
  auth.dispose()

  printTable(
    `1. Adapter overhead (${options.rounds} interleaved rounds after ${options.warmupRounds} warm-up; one request at a time)`,
    results.flatMap((r) =>
      VARIANTS.map((variant) => ({
        operation: r.operation,
        variant,
        median: ms(r.medians[variant]),
        p99: ms(r.p99[variant]),
        'vs bare SDK': percentOf(r.medians[variant], r.medians['bare SDK']),
        'vs bare SDK + timeout': percentOf(r.medians[variant], r.medians['bare SDK + timeout']),
      })),
    ),
  )
  printTable(
    'Like for like: each adapter against the bare SDK doing the same work',
    results.map((r) => ({
      operation: r.operation,
      'adapter vs bare SDK + timeout': percentOf(r.medians.adapter, r.medians['bare SDK + timeout']),
      'adapter, timeoutMs: 0 vs bare SDK': percentOf(
        r.medians['adapter, timeoutMs: 0'],
        r.medians['bare SDK'],
      ),
      'timeout alone (bare SDK + timeout vs bare SDK)': percentOf(
        r.medians['bare SDK + timeout'],
        r.medians['bare SDK'],
      ),
    })),
  )
  return results
}

function perVariant(value: (variant: Variant) => number): Record<Variant, number> {
  return Object.fromEntries(VARIANTS.map((variant) => [variant, value(variant)])) as Record<Variant, number>
}

function percentOf(value: number, reference: number): string {
  return `${((value / reference) * 100).toFixed(1)} %`
}
