/**
 * Running the PocketBase binary: the superuser upsert, `serve` with every directory inside the instance's own
 * temp dir, and the wait for `GET /api/health`.
 * @module
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { ServerError, TimeoutError } from '../index.js'
import { delay, isRunning, killOnExit, terminate, type OutputTail } from './process.js'

/** The directories of one test PocketBase; all but `dataDir` lie inside the instance's own temp dir. */
export interface InstanceDirs {
  /** `--dir`: the SQLite data. */
  readonly dataDir: string
  /** `--migrationsDir`: JS migrations applied on start. */
  readonly migrationsDir: string
  /** `--hooksDir`: JS app hooks. */
  readonly hooksDir: string
  /** `--publicDir`: static files. */
  readonly publicDir: string
}

/** Time allowed for `pocketbase superuser upsert`. */
const UPSERT_TIMEOUT_MS = 30_000

/**
 * Creates (or updates) a superuser in the data dir, before the server starts.
 *
 * @param bin - the PocketBase executable
 * @param dirs - the instance's directories
 * @param credentials - the superuser's email and password
 * @throws {ServerError} `server_error` when the command fails; the message carries PocketBase's output with the
 * password removed, never the command line.
 */
export function upsertSuperuser(
  bin: string,
  dirs: InstanceDirs,
  credentials: { email: string; password: string },
): Promise<void> {
  const { email, password } = credentials
  const args = ['superuser', 'upsert', email, password, ...dirFlags(dirs)]
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: UPSERT_TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error === null) return resolve()
      // The error's own message quotes the command line, password included: build a new one, without a cause.
      const output = `${String(stdout)}${String(stderr)}`.split(password).join('<password>').trim()
      reject(new ServerError(`pocketbase superuser upsert failed: ${output.slice(0, 2000) || 'no output'}`))
    })
  })
}

/**
 * Starts `pocketbase serve` on 127.0.0.1 and waits until `GET /api/health` answers 200.
 *
 * @param bin - the PocketBase executable
 * @param dirs - the instance's directories
 * @param port - the port on 127.0.0.1
 * @param output - where the child's stdout and stderr go
 * @param timeoutMs - time allowed until healthy
 * @returns the running child
 * @throws {ServerError} `server_error` when the process cannot start or exits first (with its output).
 * @throws {TimeoutError} `timeout` when it is not healthy within `timeoutMs` (it is terminated then).
 */
export async function serve(
  bin: string,
  dirs: InstanceDirs,
  port: number,
  output: OutputTail,
  timeoutMs: number,
): Promise<ChildProcess> {
  const args = ['serve', `--http=127.0.0.1:${port}`, ...dirFlags(dirs), '--hooksWatch=false']
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let spawnError: Error | undefined
  child.once('error', (error) => (spawnError = error))
  killOnExit(child)
  child.stdout.setEncoding('utf8').on('data', output.push)
  child.stderr.setEncoding('utf8').on('data', output.push)
  const healthURL = `http://127.0.0.1:${port}/api/health`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (spawnError) {
      throw new ServerError(`Could not start ${bin}: ${spawnError.message}`, { cause: spawnError })
    }
    if (!isRunning(child)) {
      const how = child.exitCode !== null ? `code ${child.exitCode}` : `signal ${child.signalCode}`
      throw new ServerError(`PocketBase exited (${how}) before it was healthy. Output:\n${output.tail()}`)
    }
    if (await isHealthy(healthURL)) return child
    if (Date.now() > deadline) {
      await terminate(child, 0)
      throw new TimeoutError(`PocketBase was not healthy within ${timeoutMs} ms. Output:\n${output.tail()}`)
    }
    await delay(20)
  }
}

/**
 * The flags that keep every directory PocketBase reads or writes inside the instance's own dirs. Without them
 * it uses `<dir>/../pb_migrations` and friends, which for a data dir in the OS temp dir every instance shares.
 * `--dev=false --automigrate=false`: no SQL log, and no migration file written for each collection change.
 */
function dirFlags(dirs: InstanceDirs): string[] {
  return [
    `--dir=${dirs.dataDir}`,
    `--migrationsDir=${dirs.migrationsDir}`,
    `--hooksDir=${dirs.hooksDir}`,
    `--publicDir=${dirs.publicDir}`,
    '--dev=false',
    '--automigrate=false',
  ]
}

/**
 * The directories of an instance whose own temp dir is `root`.
 *
 * @param root - the instance's own temp dir
 * @param dataDir - a data dir of the caller's, kept outside `root`
 * @returns the four directories
 */
export function instanceDirs(root: string, dataDir?: string): InstanceDirs {
  return {
    dataDir: dataDir ?? path.join(root, 'pb_data'),
    migrationsDir: path.join(root, 'pb_migrations'),
    hooksDir: path.join(root, 'pb_hooks'),
    publicDir: path.join(root, 'pb_public'),
  }
}

async function isHealthy(healthURL: string): Promise<boolean> {
  try {
    const response = await fetch(healthURL, { signal: AbortSignal.timeout(2000) })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false // not listening yet
  }
}
