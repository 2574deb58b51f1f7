/**
 * `npm run size`: what the core entry costs a browser bundle. Bundles src/index.ts with esbuild (minified,
 * ESM, platform neutral; `pocketbase` external because an app that uses the db-interface already has it;
 * jose's base64url decoder bundled), gzips it and fails above the budget.
 */
import { gzipSync } from 'node:zlib'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const BUDGET_BYTES = 12 * 1024
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const result = await build({
  entryPoints: [path.join(root, 'src/index.ts')],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  external: ['pocketbase'],
  write: false,
  metafile: true,
  logLevel: 'warning',
})
const code = result.outputFiles[0]?.contents
if (code === undefined) throw new Error('esbuild produced no output')
const gzipped = gzipSync(code, { level: 9 }).byteLength

const kB = (bytes: number): string => `${(bytes / 1024).toFixed(2)} kB`
const inputs = Object.entries(result.metafile.outputs)[0]?.[1].inputs ?? {}
const byPackage = new Map<string, number>()
for (const [file, { bytesInOutput }] of Object.entries(inputs)) {
  const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? 'pocketbase-auth (src)'
  byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput)
}
console.log('core entry (pocketbase-auth), minified, by package:')
for (const [name, bytes] of [...byPackage].sort((a, b) => b[1] - a[1]))
  console.log(`  ${name.padEnd(24)} ${kB(bytes)}`)
console.log(
  `minified ${kB(code.byteLength)}, gzipped ${kB(gzipped)} (${gzipped} bytes); budget ${kB(BUDGET_BYTES)}`,
)
if (gzipped > BUDGET_BYTES) {
  console.error(`FAIL: ${gzipped} bytes gzipped is over the ${BUDGET_BYTES}-byte budget`)
  process.exit(1)
}
