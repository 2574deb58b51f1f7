import '../setup/fail-on-unhandled.js'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { syncBuiltinESMExports } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest'
import { startOidcProvider, startSmtpSink, type OidcProvider, type SmtpSink } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import type { AuthClient } from '../../src/index.js'
import { Audit, prepareServer, runAllFlows } from './audit-flows.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('disk-audit tests')

/** Every write function of node:fs that can put bytes in a file. */
const WRITERS = [
  'writeFileSync',
  'writeFile',
  'appendFileSync',
  'appendFile',
  'createWriteStream',
  'write',
  'writeSync',
  'writev',
  'writevSync',
] as const
const PROMISE_WRITERS = ['writeFile', 'appendFile'] as const
/** Directories that are not the SDK's: the servers' data dirs (PocketBase keeps its own tokens) and tooling. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'coverage'])
const MAX_SCANNED_FILE_BYTES = 64 * 1024 * 1024

/** Turns whatever a write call got into text that can be searched. */
function argumentsText(args: unknown[]): string {
  return args
    .map((arg) => {
      if (typeof arg === 'string') return arg
      if (Buffer.isBuffer(arg) || arg instanceof Uint8Array) return Buffer.from(arg).toString('latin1')
      if (Array.isArray(arg)) return argumentsText(arg)
      return ''
    })
    .join('\n')
}

/** Toolchain and package caches in the home directory: large, and never written by the SDK. */
const HOME_TOOLCHAIN_DIRS = ['.npm', '.pyenv', '.cargo', '.rustup', '.m2', '.gradle']

/** Files under `root` modified at or after `since`, skipping tooling dirs and PocketBase data dirs. */
function modifiedFiles(
  root: string,
  since: number,
  skipDirs: ReadonlySet<string>,
  depth = 0,
  maxDepth = 6,
): string[] {
  if (depth > maxDepth) return []
  let entries: fs.Dirent[]
  try {
    entries = fs.readdirSync(root, { withFileTypes: true })
  } catch {
    return [] // a dir another process removed meanwhile, or one we may not read
  }
  const found: string[] = []
  for (const entry of entries) {
    const full = path.join(root, entry.name)
    if (entry.isDirectory()) {
      if (SKIPPED_DIRS.has(entry.name) || skipDirs.has(full) || entry.name.startsWith('pb-auth-')) continue
      // Vitest's own transform cache (`<tmp>/<id>/ssr/…`) holds the test sources, literals included.
      if (entry.name === 'ssr' && depth === 1) continue
      found.push(...modifiedFiles(full, since, skipDirs, depth + 1, maxDepth))
    } else if (entry.isFile()) {
      try {
        const stat = fs.statSync(full)
        if (stat.mtimeMs >= since && stat.size <= MAX_SCANNED_FILE_BYTES) found.push(full)
      } catch {
        // removed between readdir and stat
      }
    }
  }
  return found
}

describe.skipIf(bin === undefined)('disk audit: the SDK writes no token to disk', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  let oidc: OidcProvider
  const clients: AuthClient[] = []
  const audit = new Audit()
  const spies: MockInstance[] = []
  let startedAt = 0

  beforeAll(async () => {
    ;[pb, sink, oidc] = await Promise.all([
      startPocketBase({ superuserPassword: `Su-${randomBytes(9).toString('hex')}` }),
      startSmtpSink(),
      startOidcProvider(),
    ])
    await prepareServer({ pb, sink, oidc })
  })

  afterAll(async () => {
    for (const spy of spies) spy.mockRestore()
    syncBuiltinESMExports()
    for (const client of clients) client.dispose()
    await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
  })

  it('no write call and no file modified during the run holds a token, password or code', async () => {
    // The default export is the mutable fs object; syncBuiltinESMExports() makes `import { x } from 'node:fs'`
    // see the spies as well.
    for (const name of WRITERS) spies.push(vi.spyOn(fs, name as never))
    for (const name of PROMISE_WRITERS) spies.push(vi.spyOn(fs.promises, name as never))
    syncBuiltinESMExports()
    startedAt = Date.now() - 1000

    // The spies work: a marker write through the named ESM import is seen.
    const { writeFileSync } = await import('node:fs')
    const marker = path.join(os.tmpdir(), `disk-audit-marker-${process.pid}.txt`)
    writeFileSync(marker, 'marker-0123456789')
    fs.rmSync(marker, { force: true })
    const writeFileSpy = spies[0]!
    expect(argumentsText(writeFileSpy.mock.calls.flat())).toContain('marker-0123456789')

    await runAllFlows({ pb, sink, oidc, audit, clients })
    await audit.leaks() // waits for every response body to be read, so every token is known
    const secrets = audit.secrets()
    expect(secrets.length).toBeGreaterThanOrEqual(30)

    const written = spies.flatMap((spy) => spy.mock.calls.map((call) => argumentsText(call as unknown[])))
    const writtenLeaks = secrets.filter((secret) => written.some((text) => text.includes(secret)))
    expect(writtenLeaks).toEqual([])

    const skip = new Set([pb.dir])
    const files = [
      ...modifiedFiles(os.tmpdir(), startedAt, skip),
      ...modifiedFiles(process.cwd(), startedAt, skip),
      // Where a token cache would usually go (~/.config, ~/.cache, ~/.local); toolchain caches are skipped.
      ...modifiedFiles(
        os.homedir(),
        startedAt,
        new Set(HOME_TOOLCHAIN_DIRS.map((dir) => path.join(os.homedir(), dir))),
        0,
        3,
      ),
    ]
    const fileLeaks: string[] = []
    for (const file of files) {
      let content: string
      try {
        content = fs.readFileSync(file).toString('latin1')
      } catch {
        continue
      }
      for (const secret of secrets)
        if (content.includes(secret)) fileLeaks.push(`${file}: ${secret.slice(0, 12)}…`)
    }
    expect(fileLeaks).toEqual([])
  })
})
