/**
 * PocketBase 0.28.4, the last line before auth-refresh accepted impersonation tokens (0.29), from the versions the
 * compatibility suite installs (`test/helpers/pocketbase-versions.ts`).
 */
import { startPocketBase, type PocketBaseHandle } from '../../../src/testing/index.js'
import { binaryFor } from '../../helpers/pocketbase-versions.js'

/** The version the helper starts. */
export const LEGACY_VERSION = '0.28.4' as const

/**
 * The 0.28.4 binary.
 *
 * @returns its path (the workspace installs it on linux x64; `binaryFor` throws with what to install otherwise)
 */
export function legacyPocketBaseBinary(): string {
  return binaryFor(LEGACY_VERSION)
}

/**
 * Starts PocketBase 0.28.4 with the testing kit.
 *
 * @param bin - the binary, from `legacyPocketBaseBinary()`
 * @returns the running server
 */
export function startLegacyPocketBase(bin: string): Promise<PocketBaseHandle> {
  return startPocketBase({ bin })
}
