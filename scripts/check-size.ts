/**
 * `npm run size`: what each entry point costs. The root entry (`pocketbase-auth`) is bundled whole and
 * budgeted whole. Every other entry is bundled twice: on its own with the core (the files of src/ that the root
 * entry bundles) left out, which is what that entry adds and what its budget limits, and with the core in, the total an app
 * that imports only that entry ships (printed, not budgeted: the core has its own line). Minified, ESM,
 * `target: es2022`, gzip level 9. `pocketbase` stays external everywhere (an app that uses the db-interface
 * already has it), as do Node's built-ins and the optional peer dependencies (the app brings them).
 *
 * Usage: `npm run size` (all entries) or `npm run size -- server ssr` (entries whose name contains a word).
 */
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Platform, type Plugin } from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** One entry point and its budget (bytes, minified + gzipped). */
interface Entry {
  readonly name: string
  readonly file: string
  readonly budgetBytes: number
  readonly platform: Platform
}

/**
 * The budgets. The root entry (auth + db-interface) may use 16 kB (16,384 bytes); the realtime and fleet work
 * raise it by their measured cost only: realtime + files measured 5,818 bytes gzipped when they landed (c30d636 →
 * 288f2b9; eventsource-parser is 3.4 kB of it minified), the session share 910 bytes (its algorithm 619 of them,
 * measured by stubbing it out): 23,112 bytes, the root's budget exactly. It holds the hardening of issue 12 too
 * (bounded body checks naming the field, control characters stripped, the guarded fetch of the db-interface,
 * every schema issue, the gate header): the root measured 23,708 until code written twice came out (two event
 * emitters, the db adapter's token-then-retry path, error and option plumbing) and jose's base64url encoder.
 * Every other entry has its own line and counts everything it bundles that the root does not.
 */
const ENTRIES: readonly Entry[] = [
  { name: 'pocketbase-auth', file: 'src/index.ts', budgetBytes: 16_384 + 5_818 + 910, platform: 'neutral' },
  // Beyond the core: loadEnv (zod/mini, dotenv), createAuthClientFromEnv, the OAuth2 loopback helper.
  { name: 'pocketbase-auth/node', file: 'src/node/index.ts', budgetBytes: 12 * 1024, platform: 'node' },
  // Beyond the core: the PocketBase process, the SMTP sink wiring and mail parsing (peers loaded lazily).
  { name: 'pocketbase-auth/testing', file: 'src/testing/index.ts', budgetBytes: 6 * 1024, platform: 'node' },
  // Beyond the core: the verifier, its cache and hash, roles, policy, problem details and the three adapters,
  // the kit's client plumbing. The `cookie` option (reading the ssr entry's session cookie) measured +284 / +270
  // bytes. Without node:crypto, a JavaScript SHA-256 hashes tokens into cache keys (src/server/sha256.ts says
  // why it is not @noble/hashes's).
  {
    name: 'pocketbase-auth/server',
    file: 'src/server/index.ts',
    budgetBytes: 9.25 * 1024,
    platform: 'neutral',
  },
  {
    name: 'pocketbase-auth/server (node)',
    file: 'src/server/node.ts',
    budgetBytes: 8 * 1024,
    platform: 'node',
  },
  // Beyond the core: jose's JWE (it carries every JWE algorithm; we use dir + A256GCM), zod/mini, otplib with
  // noble's HMAC and scure's base32, uqr's QR encoder.
  { name: 'pocketbase-auth/totp', file: 'src/totp/index.ts', budgetBytes: 40 * 1024, platform: 'neutral' },
  // Beyond the core: zod/mini schemas of PocketBase's settings and collections, the impersonation pool (1.0 kB).
  { name: 'pocketbase-auth/admin', file: 'src/admin/index.ts', budgetBytes: 12 * 1024, platform: 'neutral' },
  // Beyond the core: jose's JWE (dir + A256GCM; 25.7 kB of the 32.7 kB minified), the two Redis client
  // adapters, the lock and watch logic.
  { name: 'pocketbase-auth/redis', file: 'src/redis/index.ts', budgetBytes: 12 * 1024, platform: 'node' },
  // Beyond the core: the request client, the signed session cookie (with @noble/hashes's HMAC-SHA-256 here,
  // node:crypto's under Node) and its chunks, and the sealed sign-in cookies (jose's JWE, dir + A256GCM).
  { name: 'pocketbase-auth/ssr', file: 'src/ssr/index.ts', budgetBytes: 21.5 * 1024, platform: 'neutral' },
  { name: 'pocketbase-auth/ssr (node)', file: 'src/ssr/node.ts', budgetBytes: 19 * 1024, platform: 'node' },
]

const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  peerDependencies?: Record<string, string>
}
const EXTERNAL = ['pocketbase', 'node:*', ...Object.keys(manifest.peerDependencies ?? {})]

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`
const filters = process.argv.slice(2)
let failed = false

/** The core: the files of src/ that the root entry bundles (absolute paths, filled by measuring the root first). */
const core = new Set<string>()

/** Bundles one entry; with `withoutCore`, every module of the core stays external. */
async function measure(
  entry: Entry,
  withoutCore: boolean,
): Promise<{ gzipped: number; minified: number; byPackage: Map<string, number> }> {
  const coreExternal: Plugin = {
    name: 'core-external',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^\.{1,2}\// }, (args) => {
        const target = path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts')
        return core.has(target) ? { path: args.path, external: true } : undefined
      })
    },
  }
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
    plugins: withoutCore ? [coreExternal] : [],
    write: false,
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root, // metafile paths are relative to it, and the core is read from them
  })
  const code = result.outputFiles[0]?.contents
  if (code === undefined) throw new Error(`esbuild produced no output for ${entry.file}`)
  const inputs = Object.entries(result.metafile.outputs)[0]?.[1].inputs ?? {}
  if (entry.file === 'src/index.ts' && !withoutCore)
    for (const file of Object.keys(inputs)) if (file.startsWith('src/')) core.add(path.join(root, file))
  const byPackage = new Map<string, number>()
  for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'pocketbase-auth (src)'
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput)
  }
  return { gzipped: gzipSync(code, { level: 9 }).byteLength, minified: code.byteLength, byPackage }
}

const rootEntry = ENTRIES.find((entry) => entry.file === 'src/index.ts')
if (rootEntry === undefined) throw new Error('check-size: the root entry has no line')
await measure(rootEntry, false) // fills `core`

for (const entry of ENTRIES) {
  if (filters.length > 0 && !filters.some((word) => entry.name.includes(word))) continue
  const isRoot = entry.file === 'src/index.ts'
  const budgeted = await measure(entry, !isRoot)
  const over = budgeted.gzipped > entry.budgetBytes
  failed ||= over
  const what = isRoot ? 'whole' : 'beyond the core'
  console.log(
    `${over ? 'FAIL' : 'ok  '} ${entry.name.padEnd(30)} ${kB(budgeted.gzipped).padStart(9)} gzipped ${what} (${budgeted.gzipped} bytes) of ${kB(entry.budgetBytes)}; minified ${kB(budgeted.minified)}`,
  )
  if (!isRoot) {
    const total = await measure(entry, false)
    console.log(
      `       ${'with the core it uses'.padEnd(30)} ${kB(total.gzipped).padStart(9)} gzipped (not budgeted)`,
    )
  }
  for (const [name, bytes] of [...budgeted.byPackage].sort((a, b) => b[1] - a[1]))
    console.log(`       ${name.padEnd(30)} ${kB(bytes).padStart(9)} minified`)
}

if (failed) {
  console.error('FAIL: an entry is over its budget (see above)')
  process.exit(1)
}
