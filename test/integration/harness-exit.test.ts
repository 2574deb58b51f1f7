import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('testing kit exit tests')

const HOLDER = fileURLToPath(new URL('../testing/fixtures/hold-pocketbase.ts', import.meta.url))

/** A script holding a PocketBase: the server's pid and temp dir, and a way to signal the script. */
interface Holder {
  readonly server: { pid: number; root: string }
  /** Sends `signal` to the script; resolves the signal it ended by (`null` when it exited with a code). */
  end(signal: NodeJS.Signals): Promise<NodeJS.Signals | null>
}

/** Cleanups of holder scripts a test started: SIGKILL the script and its server, remove the temp dir. */
const holderCleanups = new Set<() => Promise<void>>()

/** Runs the holder script and resolves once it has printed its server's `{ pid, root }`. */
function startHolder(): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  )
  let server: Holder['server'] | undefined
  holderCleanups.add(async () => {
    child.kill('SIGKILL')
    if (server !== undefined && isAlive(server.pid)) process.kill(server.pid, 'SIGKILL')
    if (server !== undefined) await rm(server.root, { recursive: true, force: true })
  })
  return new Promise((resolve, reject) => {
    let output = ''
    child.once('error', reject)
    void exited.then(() => reject(new Error(`the holder exited early: ${output}`)))
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
      const line = output.split('\n').find((candidate) => candidate.startsWith('{'))
      if (line === undefined || server !== undefined) return
      server = JSON.parse(line) as Holder['server']
      resolve({
        server,
        end(signal) {
          child.kill(signal)
          return exited
        },
      })
    })
  })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ESRCH') return false
    throw error
  }
}

describe.skipIf(bin === undefined)('pocketbase-auth/testing: a test process ended by a signal', () => {
  afterEach(async () => {
    await Promise.all([...holderCleanups].map((cleanup) => cleanup()))
    holderCleanups.clear()
  })

  it('a process ended by SIGTERM or SIGINT takes its servers and temp dirs with it, and still ends by that signal', async () => {
    const holders = await Promise.all([startHolder(), startHolder()])
    for (const holder of holders) {
      expect(isAlive(holder.server.pid)).toBe(true)
      expect(existsSync(holder.server.root)).toBe(true)
    }

    const [terminated, interrupted] = holders as [Holder, Holder]
    expect(await Promise.all([terminated.end('SIGTERM'), interrupted.end('SIGINT')])).toEqual([
      'SIGTERM',
      'SIGINT',
    ])

    for (const holder of holders) {
      expect(existsSync(holder.server.root)).toBe(false)
      await expect.poll(() => isAlive(holder.server.pid), { interval: 50, timeout: 10_000 }).toBe(false)
    }
  })
})
