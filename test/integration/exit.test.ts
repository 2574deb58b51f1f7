import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthCollection, createUser, setAuthTokenDuration } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('exit tests')

const FIXTURE = fileURLToPath(new URL('../fixtures/sign-in-and-exit.ts', import.meta.url))
const ROOT = path.resolve(path.dirname(FIXTURE), '../..')
/** Generous: tsx compiles on start, and the machine is shared. */
const EXIT_BOUND_MS = 30_000

interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Runs the fixture with node + tsx; kills it (and reports timedOut) if it has not exited within the bound. */
function runFixture(env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, EXIT_BOUND_MS)
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr, timedOut })
    })
  })
}

describe.skipIf(bin === undefined)('a script that signs in and never disposes', () => {
  let pb: PocketBaseHandle

  beforeAll(async () => {
    pb = await startPocketBase()
    await createAuthCollection(pb, 'longlived')
    await setAuthTokenDuration(pb, 'longlived', 94_670_856)
  })

  afterAll(async () => {
    await pb?.stop()
  })

  it.each([
    ['a default 5-day users token', 'users'],
    ['a 3-year token (timer delay clamped)', 'longlived'],
  ])('exits by itself with code 0, holding %s', async (_, collection) => {
    const user = await createUser(pb, collection, { verified: true })
    const result = await runFixture({
      PB_URL: pb.url,
      PB_COLLECTION: collection,
      PB_EMAIL: user.email,
      PB_PASSWORD: user.password,
    })
    expect(result.timedOut, `still running after ${EXIT_BOUND_MS} ms; stderr: ${result.stderr}`).toBe(false)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const report = JSON.parse(result.stdout.trim()) as {
      signedIn: boolean
      ownRecord: boolean
      refreshInMs: number
    }
    expect(report).toMatchObject({ signedIn: true, ownRecord: true })
    expect(report.refreshInMs).toBeGreaterThan(86_400_000)
  })
})
