/**
 * A real `redis-server` for the share's tests: Debian's package, one instance per suite on a free loopback port
 * (`--bind 127.0.0.1 --save '' --appendonly no`), killed by pid in teardown (and when the test process exits).
 * When the binary is missing, the suite installs the Debian package if it runs as root (as CI does), and
 * otherwise fails with one line saying exactly what to install. It never skips.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { createOutputTail, delay, findFreePort, killOnExit, waitForExit } from '../../src/testing/process.js'

/** A running Redis server. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:PORT` */
  readonly url: string
  readonly pid: number | undefined
  /** Whether the server process runs (not killed, not stopped). */
  readonly running: boolean
  /** SIGKILL the server (an outage); its data is gone (no persistence). */
  kill(): Promise<void>
  /** Start it again on the same port. */
  restart(): Promise<void>
  /** Kill it for good. Idempotent. */
  stop(): Promise<void>
}

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server']
export const REDIS_MISSING =
  'redis-server is not installed: run `apt-get install -y redis-server` (Debian package redis-server), or set REDIS_SERVER_BIN'

/**
 * The `redis-server` binary: `$REDIS_SERVER_BIN`, else the Debian package's, installed first when missing and
 * this process is root.
 *
 * @param install - how to install when missing (tests pass a stub)
 * @returns the path
 * @throws {Error} one line naming what to install, when it is missing and cannot be installed.
 */
export function redisServerBinary(
  install: () => void = installDebianPackage,
  candidates: readonly string[] = CANDIDATES,
): string {
  const fromEnv = process.env.REDIS_SERVER_BIN
  if (fromEnv !== undefined && fromEnv !== '') {
    if (existsSync(fromEnv)) return fromEnv
    throw new Error(`REDIS_SERVER_BIN points at a missing file; ${REDIS_MISSING}`)
  }
  const found = (): string | undefined => candidates.find((candidate) => existsSync(candidate))
  const present = found()
  if (present !== undefined) return present
  if (process.getuid?.() !== 0) throw new Error(REDIS_MISSING)
  try {
    install()
  } catch {
    throw new Error(`${REDIS_MISSING} (installing it as root failed)`)
  }
  const installed = found()
  if (installed === undefined) throw new Error(REDIS_MISSING)
  return installed
}

function installDebianPackage(): void {
  const apt = (args: string[]): void => {
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 600_000,
    })
  }
  try {
    apt(['install', '-y', 'redis-server'])
  } catch {
    // A fresh machine may not have the package lists yet.
    apt(['update'])
    apt(['install', '-y', 'redis-server'])
  }
}

/**
 * Starts `redis-server` on a free loopback port and waits until it accepts connections.
 *
 * @param extraArgs - more arguments, e.g. `['--requirepass', secret]`
 * @returns the running server
 */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<RedisServer> {
  const bin = redisServerBinary()
  const port = await findFreePort()
  const output = createOutputTail()
  let child: ChildProcess | undefined
  let stopped = false

  const start = async (): Promise<void> => {
    const started = spawn(
      bin,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = started
    killOnExit(started)
    started.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
    started.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk))
    for (let attempt = 0; attempt < 200; attempt++) {
      if (started.exitCode !== null) break
      if (await accepts(port)) return
      await delay(50)
    }
    started.kill('SIGKILL')
    throw new Error(`redis-server did not start on port ${port}: ${output.tail(500)}`)
  }
  const kill = async (): Promise<void> => {
    const running = child
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    running.kill('SIGKILL')
    await waitForExit(running)
  }

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    kill,
    async restart() {
      await kill()
      await start()
    },
    async stop() {
      if (stopped) return
      stopped = true
      await kill()
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.end('PING\r\n')
      // +PONG, or -NOAUTH from a server with a password: either way it answers.
      socket.once('data', (data) => resolve(/^[+-]/.test(data.toString())))
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}
