/**
 * A fleet of real worker processes (test/fixtures/fleet-worker.ts under node + tsx) for the fleet integration
 * tests and the fleet benchmark: spawn, ask for reports, stop, and kill what is left.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  enableRateLimits,
  setAuthTokenDuration,
  startCountingProxy,
  type CountingProxy,
} from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import type { WorkerReport } from '../fixtures/fleet-worker.js'

export type { WorkerReport }

const WORKER = fileURLToPath(new URL('../fixtures/fleet-worker.ts', import.meta.url))
const ROOT = path.resolve(path.dirname(WORKER), '../..')

/** A running fleet. */
export interface Fleet {
  readonly size: number
  /** A report from every worker. */
  reports(options?: { token?: boolean }): Promise<WorkerReport[]>
  /** Polls reports until `done` holds (or the bound passes: then it throws, naming `what`). */
  until(done: (reports: WorkerReport[]) => boolean, what: string, boundMs?: number): Promise<WorkerReport[]>
  /** Stops every worker cleanly; resolves with their last reports. */
  stop(): Promise<WorkerReport[]>
  /** SIGKILL whatever still runs. Idempotent. */
  kill(): void
}

/**
 * Spawns `size` workers with `env` and waits until each is ready.
 *
 * @param size - how many worker processes
 * @param env - the workers' environment (see the worker's doc)
 * @returns the fleet
 */
export async function startFleet(size: number, env: Record<string, string>): Promise<Fleet> {
  const workers: ChildProcess[] = []
  const exits = new Map<ChildProcess, Promise<never>>()
  const stderr: string[] = []
  const ready: Promise<void>[] = []
  for (let i = 0; i < size; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.join('').length < 20_000) stderr.push(chunk)
    })
    workers.push(child)
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`worker ${child.pid} exited (${code}): ${stderr.join('')}`)),
      ),
    )
    exited.catch(() => undefined)
    exits.set(child, exited)
    ready.push(
      new Promise<void>((resolve, reject) => {
        child.on('message', (message: { type?: string }) => {
          if (message.type === 'ready') resolve()
        })
        child.once('exit', (code) =>
          reject(new Error(`worker exited (${code}) before ready: ${stderr.join('')}`)),
        )
      }),
    )
  }
  const ask = <T>(child: ChildProcess, request: object, answer: string): Promise<T> => {
    const answered = new Promise<T>((resolve) => {
      const onMessage = (message: { type?: string; report?: T }): void => {
        if (message.type !== answer) return
        child.off('message', onMessage)
        resolve(message.report as T)
      }
      child.on('message', onMessage)
      child.send(request)
    })
    return Promise.race([answered, exits.get(child)!])
  }
  const fleet: Fleet = {
    size,
    reports: (options) =>
      Promise.all(
        workers.map((child) =>
          ask<WorkerReport>(child, { type: 'report', token: options?.token === true }, 'report'),
        ),
      ),
    async until(done, what, boundMs = 90_000) {
      const giveUpAt = Date.now() + boundMs
      for (;;) {
        const reports = await fleet.reports()
        if (done(reports)) return reports
        if (Date.now() > giveUpAt) throw new Error(`fleet: never happened within ${boundMs} ms: ${what}`)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    },
    async stop() {
      const last = await Promise.all(
        workers.map((child) => ask<WorkerReport>(child, { type: 'stop' }, 'stopped')),
      )
      fleet.kill()
      return last
    },
    kill() {
      for (const child of workers)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
  try {
    await Promise.all(ready)
  } catch (error) {
    fleet.kill()
    throw error
  }
  return fleet
}

/** Sums a count over reports. */
export function total(reports: WorkerReport[], pick: (report: WorkerReport) => number): number {
  return reports.reduce((sum, report) => sum + pick(report), 0)
}

/** Every token hash presented to auth-refresh more than once across the fleet (a lifetime refreshed twice). */
export function refreshedTwice(reports: WorkerReport[], skip: ReadonlySet<string> = new Set()): string[] {
  const seen = new Map<string, number>()
  for (const report of reports) {
    for (const token of report.refreshedTokens)
      if (!skip.has(token)) seen.set(token, (seen.get(token) ?? 0) + 1)
  }
  return [...seen].filter(([, count]) => count > 1).map(([token]) => token)
}

/** A PocketBase set up for a fleet: a worker superuser, short tokens, the rate limiter on, a counting proxy. */
export interface FleetServer {
  /** The proxy's URL: point the workers here. */
  readonly url: string
  readonly proxy: CountingProxy
  readonly pb: PocketBaseHandle
  /** The worker identity and the file its password is read from. */
  readonly identity: string
  readonly passwordFile: string
  /** auth-with-password and auth-refresh of `_superusers`, counted at the proxy. */
  passwordSignIns(): number
  refreshes(): number
  /** Changes the worker's password (every token of it stops working) and writes the new one to its file. */
  rotatePassword(): Promise<void>
  stop(): Promise<void>
}

export const SU_PASSWORD = 'POST /api/collections/_superusers/auth-with-password'
export const SU_REFRESH = 'POST /api/collections/_superusers/auth-refresh'

/**
 * Starts PocketBase with a worker superuser, `_superusers` tokens of `tokenSeconds`, the rate limiter on
 * (`*:auth` 2 per 3 s, as PocketBase's defaults) and a counting proxy in front.
 *
 * @param tokenSeconds - lifetime of `_superusers` tokens
 * @returns the server
 */
export async function startFleetServer(tokenSeconds: number, rateLimits = true): Promise<FleetServer> {
  const pb = await startPocketBase()
  const dir = await mkdtemp(path.join(tmpdir(), 'pb-fleet-'))
  const passwordFile = path.join(dir, 'password')
  const identity = 'worker@example.com'
  let password = `Wk-${randomBytes(12).toString('base64url')}`
  await writeFile(passwordFile, password)
  const worker = await pb.api<{ id: string }>('POST', '/api/collections/_superusers/records', {
    email: identity,
    password,
    passwordConfirm: password,
  })
  // The kit's own superuser token was issued before the short duration: it stays good for the whole run.
  await setAuthTokenDuration(pb, '_superusers', tokenSeconds)
  if (rateLimits) await enableRateLimits(pb)
  const proxy = await startCountingProxy(pb.url)
  return {
    url: proxy.url,
    proxy,
    pb,
    identity,
    passwordFile,
    passwordSignIns: () => proxy.count(SU_PASSWORD),
    refreshes: () => proxy.count(SU_REFRESH),
    async rotatePassword() {
      password = `Wk-${randomBytes(12).toString('base64url')}`
      await writeFile(passwordFile, password)
      await pb.api('PATCH', `/api/collections/_superusers/records/${worker.id}`, {
        password,
        passwordConfirm: password,
      })
    },
    async stop() {
      await proxy.stop()
      await pb.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
