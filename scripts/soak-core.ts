/**
 * The soak run shared by `npm run soak` (scripts/soak.ts, minutes) and test/integration/soak.test.ts (~35 s):
 * a superuser worker and N impersonated children (`renew: true`) on 10-second tokens keep doing db calls
 * against a real PocketBase, while failed calls, heap and active timers are measured.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { getHeapStatistics } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createBaseCollection, createUser, setAuthTokenDuration } from '../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../src/testing/index.js'
import { createAuthClient, createDbInterface, isAuthError, type AuthClient } from '../src/index.js'

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** Total run time, warm-up included. */
  readonly durationMs: number
  /** Time before the heap and timer baselines are taken. */
  readonly warmupMs: number
  /** Impersonated children. @default 100 */
  readonly children?: number
  /** Lifetime of every token in seconds (PocketBase's minimum is 10). @default 10 */
  readonly tokenSeconds?: number
  /** Pause between two rounds of db calls. @default 1000 */
  readonly roundIntervalMs?: number
  /** Where progress lines go. @default nowhere */
  readonly log?: (line: string) => void
}

/** What a soak run measured. */
export interface SoakReport {
  readonly calls: number
  readonly failedCalls: number
  /** The first few failures, as `code: message`. */
  readonly failures: readonly string[]
  /** Re-impersonations of the children plus refreshes of the worker. */
  readonly renewals: number
  /** Sessions that ended (none should). */
  readonly signedOut: number
  /** Used heap after warm-up vs at the end, both after a full GC, in percent. */
  readonly heapGrowthPercent: number
  /** The SDK's live timers (armed, not fired or cleared; unref'd ones included) after warm-up and at the end. */
  readonly timersAfterWarmup: number
  readonly timersAtEnd: number
  readonly ok: boolean
}

/** Heap growth at or above this fails the run. */
export const MAX_HEAP_GROWTH_PERCENT = 5

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A full garbage collection, even without `--expose-gc`. */
function collectGarbage(): void {
  setFlagsFromString('--expose_gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  gc()
}

function usedHeap(): number {
  collectGarbage()
  return getHeapStatistics().used_heap_size
}

/** This repository's `src/`: timers created from there are the SDK's. */
const SDK_SOURCE = fileURLToPath(new URL('../src/', import.meta.url))

/**
 * Counts the SDK's live timers (armed, neither fired nor cleared), unref'd ones included: the clients' refresh
 * timers are unref'd, and `process.getActiveResourcesInfo()` does not list those. Timers of others (undici keeps
 * one per open socket) are left out by the creating stack. Wraps the global setTimeout/clearTimeout for the
 * duration of the soak.
 */
function countLiveTimers(): { live(): number; restore(): void } {
  const live = new Set<unknown>()
  const realSetTimeout = globalThis.setTimeout
  const realClearTimeout = globalThis.clearTimeout
  const counting = (callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]): unknown => {
    const handle: unknown = realSetTimeout(
      (...callbackArgs: unknown[]) => {
        live.delete(handle)
        callback(...callbackArgs)
      },
      delay,
      ...args,
    )
    if (new Error().stack?.includes(SDK_SOURCE) === true) live.add(handle)
    return handle
  }
  globalThis.setTimeout = counting as unknown as typeof setTimeout
  globalThis.clearTimeout = ((handle: Parameters<typeof clearTimeout>[0]) => {
    live.delete(handle)
    realClearTimeout(handle)
  }) as typeof clearTimeout
  return {
    live: () => live.size,
    restore: () => {
      globalThis.setTimeout = realSetTimeout
      globalThis.clearTimeout = realClearTimeout
    },
  }
}

/** Sets up PocketBase, runs the load for `durationMs` and tears everything down. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const childCount = options.children ?? 100
  const tokenSeconds = options.tokenSeconds ?? 10
  const interval = options.roundIntervalMs ?? 1000
  const log = options.log ?? (() => undefined)
  const clients: AuthClient[] = []
  let stopCounting = (): void => undefined
  let pb: PocketBaseHandle | undefined
  try {
    pb = await startPocketBase()
    const server = pb
    await setAuthTokenDuration(server, 'users', tokenSeconds)
    await setAuthTokenDuration(server, '_superusers', tokenSeconds)
    const signedIn = '@request.auth.id != ""'
    await createBaseCollection(server, 'notes', {
      fields: [{ name: 'text', type: 'text' }],
      rules: { listRule: signedIn, viewRule: signedIn },
    })
    const users = []
    while (users.length < childCount) {
      const batch = Math.min(10, childCount - users.length)
      users.push(
        ...(await Promise.all(
          Array.from({ length: batch }, () => createUser(server, 'users', { verified: true })),
        )),
      )
    }
    log(`PocketBase ${server.url}: ${childCount} users, ${tokenSeconds} s tokens`)

    const counters = { renewals: 0, signedOut: 0, calls: 0, failedCalls: 0 }
    const failures: string[] = []
    const watch = (auth: AuthClient): AuthClient => {
      clients.push(auth)
      auth.on('tokenRefreshed', () => counters.renewals++)
      auth.on('signedOut', () => counters.signedOut++)
      return auth
    }
    const worker = watch(
      createAuthClient({
        url: server.url,
        collection: '_superusers',
        credentials: () => ({ identity: server.superuser.email, password: server.superuser.password }),
      }),
    )
    await worker.getToken()
    const children = await Promise.all(
      users.map(async (user) =>
        watch(await worker.impersonate(user.id, { durationSeconds: tokenSeconds, renew: true })),
      ),
    )
    const dbs = [worker, ...children].map((auth) => createDbInterface(auth).collection('notes'))

    const startedAt = Date.now()
    const warmupEndsAt = startedAt + options.warmupMs
    const endsAt = startedAt + options.durationMs
    let heapAfterWarmup: number | undefined
    const timerSamples: number[] = []
    const timers = countLiveTimers()
    stopCounting = timers.restore
    let lastReport = startedAt
    while (Date.now() < endsAt) {
      const results = await Promise.allSettled(dbs.map((db) => db.getList(1, 5)))
      counters.calls += results.length
      for (const result of results) {
        if (result.status === 'fulfilled') continue
        counters.failedCalls++
        const error: unknown = result.reason
        if (failures.length < 10)
          failures.push(isAuthError(error) ? `${error.code}: ${error.message}` : String(error))
      }
      // Between rounds no db call is in flight: what is left are the clients' own timers.
      if (Date.now() >= warmupEndsAt) {
        heapAfterWarmup ??= usedHeap()
        timerSamples.push(timers.live())
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now()
        const elapsed = Math.round((lastReport - startedAt) / 1000)
        log(
          `${elapsed}s: ${counters.calls} calls, ${counters.failedCalls} failed, ${counters.renewals} renewals`,
        )
      }
      await sleep(interval)
    }
    const heapAtEnd = usedHeap()
    const baseline = heapAfterWarmup ?? heapAtEnd
    const heapGrowthPercent = ((heapAtEnd - baseline) / baseline) * 100
    // Transient request timers can sit in any one sample: compare the quietest samples of each end.
    const timersAfterWarmup = Math.min(...timerSamples.slice(0, 3))
    const timersAtEnd = Math.min(...timerSamples.slice(-3))
    const ok =
      counters.failedCalls === 0 &&
      counters.signedOut === 0 &&
      heapGrowthPercent < MAX_HEAP_GROWTH_PERCENT &&
      timersAtEnd <= timersAfterWarmup
    return { ...counters, failures, heapGrowthPercent, timersAfterWarmup, timersAtEnd, ok }
  } finally {
    stopCounting()
    for (const auth of clients) auth.dispose()
    await pb?.stop()
  }
}

/** The report as printable lines. */
export function formatSoakReport(report: SoakReport): string[] {
  return [
    `calls: ${report.calls}`,
    `failed calls: ${report.failedCalls}${report.failures.length > 0 ? ` (${report.failures.join('; ')})` : ''}`,
    `renewals and refreshes: ${report.renewals}`,
    `sessions ended: ${report.signedOut}`,
    `heap growth after warm-up: ${report.heapGrowthPercent.toFixed(2)}% (limit ${MAX_HEAP_GROWTH_PERCENT}%)`,
    `active timers: ${report.timersAfterWarmup} after warm-up, ${report.timersAtEnd} at the end`,
    report.ok ? 'SOAK OK' : 'SOAK FAILED',
  ]
}
