/**
 * Realtime: event latency from a `create` to the handler (p50/p99), and the heap of 1,000 subscriptions, for
 * our db-interface (fetch + eventsource-parser) and the official `pocketbase` SDK with the `eventsource` package
 * as its `EventSource` polyfill (v4: v5 needs Node 22), in one run against the same local PocketBase.
 *
 * Latency: each client subscribes to `*` of its own collection (same schema, same owner-only rules), and each
 * round creates one record in each collection with a plain `fetch`, in a fresh random order, waiting for the
 * handler before the next create; the time runs from just before the create is sent to the handler's call.
 * Memory: a fresh client of each kind subscribes to 1,000 record topics; the heap is read after a full GC
 * before and after (`--expose-gc`).
 */
import { EventSource } from 'eventsource'
import PocketBase from 'pocketbase'
import { createBaseCollection } from '../dev/index.js'
import type { BenchServer } from './fixture.js'
import { createAuthClient, createDbInterface } from './library.js'
import { median, ms, percentile, printTable, sleep } from './stats.js'

/** Options of the realtime benchmark. */
export interface RealtimeBenchOptions {
  readonly warmupRounds: number
  readonly rounds: number
  readonly subscriptions: number
}

type Variant = 'pocketbase-auth' | 'pocketbase SDK + eventsource'

const COLLECTIONS: Readonly<Record<Variant, string>> = {
  'pocketbase-auth': 'rt_ours',
  'pocketbase SDK + eventsource': 'rt_sdk',
}

/** Resolves the next event's arrival time, one waiter at a time. */
class Arrival {
  #resolve: ((at: number) => void) | undefined
  next(): Promise<number> {
    return new Promise((resolve) => (this.#resolve = resolve))
  }
  handle = (): void => {
    const at = performance.now()
    this.#resolve?.(at)
    this.#resolve = undefined
  }
}

export async function runRealtime(server: BenchServer, options: RealtimeBenchOptions): Promise<void> {
  const { pb, user } = server
  const own = 'owner = @request.auth.id'
  for (const name of Object.values(COLLECTIONS)) {
    const exists = await pb.api('GET', `/api/collections/${name}`).then(
      () => true,
      () => false,
    )
    if (exists) continue
    await createBaseCollection(pb, name, {
      fields: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'relation', collectionId: 'users', maxSelect: 1 },
      ],
      rules: { listRule: own, viewRule: own, createRule: own },
    })
  }
  // The official SDK needs a global EventSource on Node 20.
  ;(globalThis as { EventSource?: unknown }).EventSource = EventSource

  const auth = createAuthClient({ url: pb.url })
  await auth.authWithPassword(user.email, user.password)
  const token = await auth.getToken()
  const db = createDbInterface(auth)
  const sdk = new PocketBase(pb.url)
  sdk.authStore.save(token, null)

  const arrivals: Record<Variant, Arrival> = {
    'pocketbase-auth': new Arrival(),
    'pocketbase SDK + eventsource': new Arrival(),
  }
  const stopOurs = await db
    .collection(COLLECTIONS['pocketbase-auth'])
    .subscribe('*', arrivals['pocketbase-auth'].handle)
  const stopSdk = await sdk
    .collection(COLLECTIONS['pocketbase SDK + eventsource'])
    .subscribe('*', arrivals['pocketbase SDK + eventsource'].handle)

  const create = (collection: string): Promise<Response> =>
    fetch(`${pb.url}/api/collections/${collection}/records`, {
      method: 'POST',
      headers: { Authorization: token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'x', owner: user.id }),
    })
  const latencies: Record<Variant, number[]> = { 'pocketbase-auth': [], 'pocketbase SDK + eventsource': [] }
  const variants = Object.keys(COLLECTIONS) as Variant[]
  for (let round = 0; round < options.warmupRounds + options.rounds; round++) {
    for (const variant of shuffled(variants)) {
      const arrived = arrivals[variant].next()
      const started = performance.now()
      const response = await create(COLLECTIONS[variant])
      await response.arrayBuffer()
      const at = await arrived
      if (round >= options.warmupRounds) latencies[variant].push(at - started)
    }
  }
  await stopOurs()
  await stopSdk()
  db.realtime.close()
  sdk.realtime.unsubscribe()
  printTable(
    `Realtime event latency, create -> handler (${options.rounds} events each, shuffled per round)`,
    variants.map((variant) => ({
      variant,
      p50: ms(median(latencies[variant])),
      p99: ms(percentile(latencies[variant], 99)),
      'p50 vs SDK': (median(latencies[variant]) / median(latencies['pocketbase SDK + eventsource'])).toFixed(
        2,
      ),
    })),
  )

  const memory: Record<string, string | number>[] = []
  for (const variant of variants) {
    const heap = await heapOfSubscriptions(variant, server, token, options.subscriptions)
    memory.push({ variant, subscriptions: options.subscriptions, heap: `${(heap / 1024).toFixed(0)} KiB` })
  }
  printTable('Realtime: heap of one connection with 1,000 subscriptions (after a full GC)', memory)
}

/**
 * Heap growth when one fresh, signed-in client subscribes to `count` topics (its connection included), with a
 * full GC before both readings.
 */
async function heapOfSubscriptions(
  variant: Variant,
  server: BenchServer,
  token: string,
  count: number,
): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  const collect = async (): Promise<number> => {
    for (let i = 0; i < 3; i++) {
      gc?.()
      await sleep(20)
    }
    return process.memoryUsage().heapUsed
  }
  const topics = Array.from({ length: count }, (_, i) => `rec${String(i).padStart(12, '0')}`)
  const handler = (): void => undefined
  if (variant === 'pocketbase-auth') {
    const auth = createAuthClient({ url: server.pb.url })
    await auth.authWithPassword(server.user.email, server.user.password)
    const collection = createDbInterface(auth).collection(COLLECTIONS[variant])
    const before = await collect()
    const stops = await Promise.all(topics.map((topic) => collection.subscribe(topic, handler)))
    const after = await collect()
    await Promise.all(stops.map((stop) => stop()))
    auth.dispose()
    return after - before
  }
  const sdk = new PocketBase(server.pb.url)
  sdk.authStore.save(token, null)
  const collection = sdk.collection(COLLECTIONS[variant])
  const before = await collect()
  const stops = await Promise.all(topics.map((topic) => collection.subscribe(topic, handler)))
  const after = await collect()
  await Promise.all(stops.map((stop) => stop()))
  await sdk.realtime.unsubscribe()
  return after - before
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}
