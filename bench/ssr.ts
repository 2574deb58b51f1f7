/**
 * Server-rendered pages: what it costs to know who is asking, per page request with a valid session cookie.
 * - `createRequestAuth` (`pocketbase-auth/ssr`, built `dist/`, node:crypto HMAC): a client per request, the signed
 *   cookie read and checked, `getSession()`; a token that is not due asks PocketBase nothing.
 * - the same with the plain-JavaScript HMAC (the build Edge runtimes get);
 * - the official SDK as most guides show it (SvelteKit's `hooks.server`, Astro, Next.js examples): a new
 *   `PocketBase` per request, `authStore.loadFromCookie(header)`, `authRefresh()` when valid, `exportToCookie()`.
 * Interleaved round by round in a fresh shuffled order, against the same local PocketBase behind a counting proxy,
 * which also counts the upstream requests of each variant. A second table sends 64 concurrent requests carrying
 * the same due cookie, to count the refreshes they cost.
 */
import PocketBase from 'pocketbase'
import { startCountingProxy } from '../dev/index.js'
import type * as SsrEntry from '../src/ssr/node.js'
import type { CookieToSet } from '../src/ssr/node.js'
import type { BenchServer } from './fixture.js'
import { median, ms, percentile, printTable } from './stats.js'

const load = async (file: string): Promise<typeof SsrEntry> =>
  (await import(new URL(`../dist/${file}`, import.meta.url).href)) as typeof SsrEntry
const nodeBuild = await load('ssr.node.js')
const neutralBuild = await load('ssr.js')

type Variant =
  'createRequestAuth' | 'createRequestAuth, plain-JS HMAC' | 'official SDK: loadFromCookie + authRefresh'
const VARIANTS: readonly Variant[] = [
  'createRequestAuth',
  'createRequestAuth, plain-JS HMAC',
  'official SDK: loadFromCookie + authRefresh',
]
const REFRESH = 'POST /api/collections/users/auth-refresh'
const SECRET = 'bench-cookie-secret-0123456789abcdefghijkl'

/** Options of the SSR benchmark. */
export interface SsrBenchOptions {
  warmupRounds: number
  rounds: number
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

export async function runSsrBench(server: BenchServer, options: SsrBenchOptions): Promise<void> {
  const { pb, user } = server
  const proxy = await startCountingProxy(pb.url)
  try {
    // The cookies a signed-in browser sends: ours, and the official SDK's.
    const written: CookieToSet[] = []
    await nodeBuild
      .createRequestAuth({
        url: proxy.url,
        secret: SECRET,
        cookies: { getAll: () => [], setAll: (c) => void written.push(...c) },
      })
      .authWithPassword(user.email, user.password)
    const ourHeader = written.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
    const official = new PocketBase(proxy.url)
    await official.collection('users').authWithPassword(user.email, user.password)
    const officialHeader = official.authStore.exportToCookie({ httpOnly: true }).split(';')[0]!

    const page = (build: typeof SsrEntry) => async (): Promise<string> => {
      const auth = build.createRequestAuth({
        url: proxy.url,
        secret: SECRET,
        cookies: { getAll: () => build.parseCookieHeader(ourHeader), setAll: () => undefined },
      })
      const session = await auth.getSession()
      return String(session?.record.email)
    }
    const pages: Record<Variant, () => Promise<string>> = {
      createRequestAuth: page(nodeBuild),
      'createRequestAuth, plain-JS HMAC': page(neutralBuild),
      'official SDK: loadFromCookie + authRefresh': async () => {
        const sdk = new PocketBase(proxy.url)
        sdk.autoCancellation(false)
        sdk.authStore.loadFromCookie(officialHeader)
        try {
          if (sdk.authStore.isValid) await sdk.collection('users').authRefresh()
        } catch {
          sdk.authStore.clear()
        }
        sdk.authStore.exportToCookie()
        return String(sdk.authStore.record?.email)
      },
    }

    for (let round = 0; round < options.warmupRounds; round++) {
      for (const variant of shuffled(VARIANTS)) await pages[variant]()
    }
    const times = Object.fromEntries(VARIANTS.map((variant) => [variant, [] as number[]])) as Record<
      Variant,
      number[]
    >
    const upstream = Object.fromEntries(VARIANTS.map((variant) => [variant, 0])) as Record<Variant, number>
    for (let round = 0; round < options.rounds; round++) {
      for (const variant of shuffled(VARIANTS)) {
        const before = proxy.count(REFRESH)
        const started = performance.now()
        const email = await pages[variant]()
        times[variant].push(performance.now() - started)
        upstream[variant] += proxy.count(REFRESH) - before
        if (email !== user.email) throw new Error(`${variant}: the page saw ${email}`)
      }
    }
    const officialMedian = median(times['official SDK: loadFromCookie + authRefresh'])
    printTable(
      `SSR page request with a valid session cookie (${options.rounds} rounds; median and p99 per request)`,
      VARIANTS.map((variant) => ({
        variant,
        median: ms(median(times[variant])),
        p99: ms(percentile(times[variant], 99)),
        'upstream requests per page': (upstream[variant] / options.rounds).toFixed(2),
        'official / this (median)': (officialMedian / median(times[variant])).toFixed(1) + 'x',
      })),
    )

    // 64 requests at once with the same cookie, 60% into its token's life: they share one refresh.
    const session = nodeBuild.createRequestAuth({
      url: proxy.url,
      secret: SECRET,
      cookies: { getAll: () => nodeBuild.parseCookieHeader(ourHeader) },
    }).session!
    const shift = (session.expiresAt - session.issuedAt) * 0.6
    const before = proxy.count(REFRESH)
    const sessions = await Promise.all(
      Array.from({ length: 64 }, () =>
        nodeBuild
          .createRequestAuth({
            url: proxy.url,
            secret: SECRET,
            now: () => Date.now() + shift,
            cookies: { getAll: () => nodeBuild.parseCookieHeader(ourHeader), setAll: () => undefined },
          })
          .getSession(),
      ),
    )
    printTable('64 concurrent requests with the same due cookie', [
      {
        'upstream auth-refresh requests': proxy.count(REFRESH) - before,
        'distinct new tokens': new Set(sessions.map((s) => s?.token)).size,
      },
    ])
  } finally {
    await proxy.stop()
  }
}
