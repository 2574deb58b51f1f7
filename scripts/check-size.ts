/**
 * `npm run size`: what each entry point costs the app that imports it. Every entry is bundled on its own with
 * esbuild (minified, ESM, `target: es2022`), gzipped, and checked against its own budget. `pocketbase` stays
 * external everywhere (an app that uses the db-interface already has it), as do Node's built-ins and the optional
 * peer dependencies (framework, Redis and browser packages: the app brings them). Everything else an entry
 * imports, the core included, is counted in that entry's line.
 *
 * Usage: `npm run size` (all entries) or `npm run size -- server ssr` (entries whose name contains a word).
 */
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Platform } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** One entry point and its budget (bytes, minified + gzipped). */
interface Entry {
  readonly name: string
  readonly file: string
  readonly budgetBytes: number
  readonly platform: Platform
}

/**
 * The budgets. The root entry (auth + db-interface) may use 16 kB; the realtime and fleet work raise it by their
 * measured cost only. Every other entry has its own line.
 */
const ENTRIES: readonly Entry[] = [
  { name: 'pocketbase-auth', file: 'src/index.ts', budgetBytes: 16 * 1024, platform: 'neutral' },
  { name: 'pocketbase-auth/node', file: 'src/node/index.ts', budgetBytes: 24 * 1024, platform: 'node' },
  { name: 'pocketbase-auth/testing', file: 'src/testing/index.ts', budgetBytes: 10 * 1024, platform: 'node' },
  { name: 'pocketbase-auth/admin', file: 'src/admin/index.ts', budgetBytes: 24 * 1024, platform: 'neutral' },
  { name: 'pocketbase-auth/redis', file: 'src/redis/index.ts', budgetBytes: 20 * 1024, platform: 'node' },
]

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  peerDependencies?: Record<string, string>
}
const EXTERNAL = ['pocketbase', 'node:*', ...Object.keys(manifest.peerDependencies ?? {})]

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`
const filters = process.argv.slice(2)
let failed = false

for (const entry of ENTRIES) {
  if (filters.length > 0 && !filters.some((word) => entry.name.includes(word))) continue
  const result = await build({
    entryPoints: [path.join(root, entry.file)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: entry.platform,
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: entry.platform === 'node' ? ['node', 'import', 'default'] : ['import', 'default'],
    external: EXTERNAL,
    write: false,
    metafile: true,
    logLevel: 'warning',
  })
  const code = result.outputFiles[0]?.contents
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry.file}`)
  const gzipped = gzipSync(code, { level: 9 }).byteLength
  const inputs = Object.entries(result.metafile.outputs)[0]?.[1].inputs ?? {}
  const byPackage = new Map<string, number>()
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'pocketbase-auth (src)'
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput)
  }
  const over = gzipped > entry.budgetBytes
  failed ||= over
  console.log(
    `${over ? 'FAIL' : 'ok  '} ${entry.name.padEnd(26)} ${kB(gzipped).padStart(9)} gzipped (${gzipped} bytes) of ${kB(entry.budgetBytes)}; minified ${kB(code.byteLength)}`,
  )
  for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]))
    console.log(`       ${name.padEnd(26)} ${kB(bytes).padStart(9)} minified`)
}

if (failed) {
  console.error('FAIL: an entry is over its budget (see above)')
  process.exit(1)
}
