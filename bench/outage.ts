/**
 * Outage recovery (issue 12): a worker with a superuser parent and 20 impersonated children, 15 s tokens, its
 * PocketBase stopped for 25 s and started again. Every child keeps reading its own record in rounds (20 calls
 * at once, a short pause, again) before, during and after the outage. Two ways to keep the children signed in
 * run side by side against the same server and the same outage, so both see the same restart:
 *
 * 1. pocketbase-auth: `createAuthClient({ credentials })` and `impersonate(id, { renew: true })`, calls through
 *    `createDbInterface(child)`.
 * 2. The official `pocketbase` SDK as users wire it today: one superuser client (`authWithPassword` again when its
 *    token is no longer valid) and, per child, a hand-written re-impersonation on a timer (at 80% of the token's
 *    lifetime) with exponential backoff after a failure (1 s, 2 s, 4 s... up to 30 s, 50% jitter: the same policy
 *    as ours). Calls go through the impersonated client.
 *
 * Reported per variant, over the calls that ended after `restart()` resolved (PocketBase answers /api/health),
 * whenever they started: the time from then to the end of the last failed call (0 when none failed after it), and
 * how many calls failed after the first one that succeeded.
 */
import PocketBase, { getTokenPayload } from 'pocketbase'
import { createUser, setAuthTokenDuration } from '../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../src/testing/index.js'
import { createAuthClient, createDbInterface, type AuthClient } from './library.js'
import { ms, printTable, sleep } from './stats.js'

/** Options of the outage benchmark. */
export interface OutageOptions {
  /** Impersonated children per variant. @default 20 */
  children?: number
  /** Token lifetime of `users` and `_superusers`, seconds. @default 15 */
  tokenSeconds?: number
  /** How long PocketBase stays down, ms. @default 25000 */
  outageMs?: number
  /** Pause between two rounds of calls, ms. @default 100 */
  roundPauseMs?: number
  /** Calls go on this long after the server's return, and at least this long after a variant's last failure. */
  tailMs?: number
  /** Upper bound of the time after the return, ms. @default 60000 */
  maxTailMs?: number
}

/** One variant's result. */
export interface OutageResult {
  variant: string
  /** From `restart()` resolving to the end of the last failed call; 0 when no call failed after it. */
  lastFailureAfterReturnMs: number
  /** Calls ended after the return that failed after the first of them succeeded. */
  failedAfterFirstSuccess: number
  /** Calls ended after the return, and how many failed. */
  callsAfterReturn: number
  failedAfterReturn: number
  /** From the return to the end of the first successful call after it. */
  firstSuccessAfterReturnMs: number | undefined
  /** Children that ended signed out (pocketbase-auth's `signedOut`; none for the SDK, which has no such event). */
  childrenSignedOut: number
}

/** One finished call. */
interface Call {
  readonly startedAt: number
  readonly endedAt: number
  readonly ok: boolean
}

/** A way of keeping 20 children signed in and calling through them. */
interface Variant {
  readonly name: string
  readonly calls: Call[]
  /** Each child reads its own record once. */
  round(): Promise<void>
  signedOut(): number
  close(): void
}

const POLICY = { baseMs: 1_000, factor: 2, maxMs: 30_000, jitter: 0.5 }

function backoffMs(failures: number): number {
  const exponential = Math.min(POLICY.maxMs, POLICY.baseMs * POLICY.factor ** Math.max(0, failures - 1))
  return Math.round(exponential * (1 - POLICY.jitter * Math.random()))
}

async function timed(calls: Call[], call: () => Promise<unknown>): Promise<void> {
  const startedAt = performance.now()
  let ok = true
  try {
    await call()
  } catch {
    ok = false
  }
  calls.push({ startedAt, endedAt: performance.now(), ok })
}

async function ours(pb: PocketBaseHandle, ids: readonly string[]): Promise<Variant> {
  const admin = createAuthClient({
    url: pb.url,
    collection: '_superusers',
    credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
  })
  await admin.getToken()
  const children: AuthClient[] = []
  for (const id of ids) children.push(await admin.impersonate(id, { renew: true }))
  let signedOut = 0
  for (const child of children) child.on('signedOut', () => void signedOut++)
  const dbs = children.map((child) => createDbInterface(child))
  const calls: Call[] = []
  return {
    name: 'pocketbase-auth (impersonate renew: true)',
    calls,
    round: async () => {
      await Promise.all(dbs.map((db, i) => timed(calls, () => db.collection('users').getOne(ids[i]!))))
    },
    signedOut: () => signedOut,
    close: () => {
      for (const child of children) child.dispose()
      admin.dispose()
    },
  }
}

/** The official SDK with a hand-written re-impersonation per child: timer at 80% of the lifetime, backoff. */
async function handWritten(pb: PocketBaseHandle, ids: readonly string[]): Promise<Variant> {
  const admin = new PocketBase(pb.url)
  admin.autoCancellation(false)
  let adminSignIn: Promise<unknown> | undefined
  const ensureAdmin = async (): Promise<void> => {
    if (admin.authStore.isValid) return
    adminSignIn ??= admin
      .collection('_superusers')
      .authWithPassword(pb.superuser.email, pb.superuser.password)
      .finally(() => (adminSignIn = undefined))
    await adminSignIn
  }
  const timers = new Set<ReturnType<typeof setTimeout>>()
  let closed = false
  const later = (delayMs: number, run: () => void): void => {
    if (closed) return
    const timer = setTimeout(() => {
      timers.delete(timer)
      run()
    }, delayMs)
    timers.add(timer)
  }

  /** One child: its impersonated client, replaced by each renewal. */
  class Child {
    client: PocketBase | undefined
    #failures = 0
    constructor(readonly id: string) {}

    async renew(): Promise<void> {
      try {
        await ensureAdmin()
        const client = await admin.collection('users').impersonate(this.id, 0)
        client.autoCancellation(false)
        this.client = client
        this.#failures = 0
        const exp = Number(getTokenPayload(client.authStore.token).exp) * 1000
        later(Math.max(0, (exp - Date.now()) * 0.8), () => void this.renew())
      } catch (error) {
        // A rejected superuser token: sign in again on the next try.
        if ((error as { status?: number }).status === 401) admin.authStore.clear()
        later(backoffMs(++this.#failures), () => void this.renew())
      }
    }
  }

  await ensureAdmin()
  const children = ids.map((id) => new Child(id))
  await Promise.all(children.map((child) => child.renew()))
  const calls: Call[] = []
  return {
    name: 'pocketbase SDK + hand-written re-impersonation',
    calls,
    round: async () => {
      await Promise.all(
        children.map((child) =>
          timed(calls, () => {
            if (child.client === undefined) return Promise.reject(new Error('not impersonated yet'))
            return child.client.collection('users').getOne(child.id)
          }),
        ),
      )
    },
    signedOut: () => 0,
    close: () => {
      closed = true
      for (const timer of timers) clearTimeout(timer)
    },
  }
}

/** Calls `variant.round()` again and again, with a pause, until `stop()`. */
function keepCalling(variant: Variant, pauseMs: number): { stop: () => Promise<void> } {
  let running = true
  const loop = (async () => {
    while (running) {
      await variant.round()
      await sleep(pauseMs)
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
    },
  }
}

function summarise(variant: Variant, returnedAt: number): OutageResult {
  const after = variant.calls
    .filter((call) => call.endedAt >= returnedAt)
    .sort((a, b) => a.endedAt - b.endedAt)
  const failed = after.filter((call) => !call.ok)
  const firstOk = after.findIndex((call) => call.ok)
  const lastFailure = failed.at(-1)
  return {
    variant: variant.name,
    lastFailureAfterReturnMs: lastFailure === undefined ? 0 : lastFailure.endedAt - returnedAt,
    failedAfterFirstSuccess:
      firstOk < 0 ? failed.length : after.slice(firstOk + 1).filter((call) => !call.ok).length,
    callsAfterReturn: after.length,
    failedAfterReturn: failed.length,
    firstSuccessAfterReturnMs: firstOk < 0 ? undefined : after[firstOk]!.endedAt - returnedAt,
    childrenSignedOut: variant.signedOut(),
  }
}

/**
 * Runs the outage benchmark on a PocketBase of its own, prints one table and returns the rows.
 *
 * @param options - see {@link OutageOptions}
 * @returns one result per variant
 */
export async function runOutage(options: OutageOptions = {}): Promise<OutageResult[]> {
  const count = options.children ?? 20
  const tokenSeconds = options.tokenSeconds ?? 15
  const outageMs = options.outageMs ?? 25_000
  const pauseMs = options.roundPauseMs ?? 100
  const tailMs = options.tailMs ?? 10_000
  const maxTailMs = options.maxTailMs ?? 60_000
  const pb = await startPocketBase()
  const variants: Variant[] = []
  try {
    await setAuthTokenDuration(pb, 'users', tokenSeconds)
    const ids: string[] = []
    for (let i = 0; i < count; i++) ids.push((await createUser(pb, 'users', { verified: true })).id)
    await setAuthTokenDuration(pb, '_superusers', tokenSeconds)
    variants.push(await ours(pb, ids), await handWritten(pb, ids))
    for (const variant of variants) await variant.round() // warm-up, and a check that both work
    for (const variant of variants) {
      if (variant.calls.some((call) => !call.ok))
        throw new Error(`outage bench: ${variant.name} fails before the outage`)
      variant.calls.length = 0
    }

    const loops = variants.map((variant) => keepCalling(variant, pauseMs))
    await pb.kill()
    await sleep(outageMs)
    await pb.restart()
    const returnedAt = performance.now()
    // Until every variant has gone `tailMs` without a failure (bounded by maxTailMs).
    for (;;) {
      await sleep(500)
      const now = performance.now()
      const quietSince = Math.max(
        returnedAt,
        ...variants.flatMap((variant) =>
          variant.calls.filter((call) => !call.ok).map((call) => call.endedAt),
        ),
      )
      if (now - quietSince >= tailMs || now - returnedAt >= maxTailMs) break
    }
    await Promise.all(loops.map((loop) => loop.stop()))
    const results = variants.map((variant) => summarise(variant, returnedAt))
    printTable(
      `4. Outage recovery (${count} renewing children, ${tokenSeconds} s tokens, PocketBase down ${outageMs / 1000} s; calls that ended after the server's return)`,
      results.map((result) => ({
        variant: result.variant,
        'last failure after return': ms(result.lastFailureAfterReturnMs, 0),
        'failed after first success': result.failedAfterFirstSuccess,
        'failed / calls after return': `${result.failedAfterReturn} / ${result.callsAfterReturn}`,
        'first success after return':
          result.firstSuccessAfterReturnMs === undefined ? 'none' : ms(result.firstSuccessAfterReturnMs, 0),
        'children signed out': result.childrenSignedOut,
      })),
    )
    return results
  } finally {
    for (const variant of variants) variant.close()
    await pb.stop()
  }
}
