/**
 * Many clients: 10,000 signed-in clients with autoRefresh armed in one process. Sign-in and refresh go to a
 * fake `fetch` that answers like PocketBase with a fresh short-lived token, so every client's timer fires
 * during the measurement. Reports retained heap per client (needs `node --expose-gc`) and the event-loop delay
 * while the timers fire.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createAuthClient, type AuthClient } from './library.js'
import { ms, printTable, sleep } from './stats.js'

const b64 = (value: string): string => Buffer.from(value).toString('base64url')
const RECORD = {
  avatar: '',
  collectionId: '_pb_users_auth_',
  collectionName: 'users',
  created: '2026-11-22 02:16:01.541Z',
  email: 'bench@example.com',
  emailVisibility: false,
  id: 'benchrecord0001',
  name: 'Bench',
  updated: '2026-11-22 02:16:01.541Z',
  verified: true,
}

/** A PocketBase-shaped auth body whose token expires `lifetimeS` seconds from now. */
function authBody(lifetimeS: number): string {
  const claims = {
    collectionId: RECORD.collectionId,
    exp: Math.floor(Date.now() / 1000) + lifetimeS,
    id: RECORD.id,
    refreshable: true,
    type: 'auth',
  }
  const token = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(claims))}.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl`
  return JSON.stringify({ record: RECORD, token })
}

/** Result of the many-clients benchmark. */
export interface ManyClientsResult {
  clients: number
  heapPerClientBytes: number | undefined
  tokenBytes: number
  refreshes: number
  loopDelayP50Ms: number
  loopDelayP99Ms: number
  loopDelayMaxMs: number
}

function heapUsed(): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) return undefined
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

export async function runManyClients(
  count: number,
  lifetimeS: number,
  measureMs: number,
): Promise<ManyClientsResult> {
  let refreshes = 0
  const fakeFetch: typeof fetch = async (input) => {
    if (String(input).endsWith('/auth-refresh')) refreshes++
    return new Response(authBody(lifetimeS), { status: 200, headers: { 'Content-Type': 'application/json' } })
  }
  const clients: AuthClient[] = []
  const before = heapUsed()
  for (let i = 0; i < count; i++) {
    clients.push(createAuthClient({ url: 'http://127.0.0.1:8090', fetch: fakeFetch }))
  }
  await Promise.all(clients.map((client) => client.authWithPassword('bench@example.com', 'pw')))
  const after = heapUsed()
  const sample = clients[0]!.session!
  const tokenBytes = sample.token.length // ASCII: V8 stores it one byte per character

  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  await sleep(measureMs)
  histogram.disable()
  const armed = clients.filter((client) => client.isAuthenticated).length
  for (const client of clients) client.dispose()

  const result: ManyClientsResult = {
    clients: count,
    heapPerClientBytes: before === undefined || after === undefined ? undefined : (after - before) / count,
    tokenBytes,
    refreshes,
    loopDelayP50Ms: histogram.percentile(50) / 1e6,
    loopDelayP99Ms: histogram.percentile(99) / 1e6,
    loopDelayMaxMs: histogram.max / 1e6,
  }
  printTable(
    `3. Many clients (${count} signed in, autoRefresh on, ${lifetimeS} s tokens, ${measureMs / 1000} s window)`,
    [
      {
        clients: count,
        'still signed in': armed,
        'refreshes fired': refreshes,
        'heap per client':
          result.heapPerClientBytes === undefined
            ? 'run with node --expose-gc'
            : `${(result.heapPerClientBytes / 1024).toFixed(2)} KiB`,
        'token (ASCII bytes)': `${tokenBytes} B`,
        'loop delay p50': ms(result.loopDelayP50Ms, 2),
        'loop delay p99': ms(result.loopDelayP99Ms, 2),
        'loop delay max': ms(result.loopDelayMaxMs, 2),
      },
    ],
  )
  return result
}
