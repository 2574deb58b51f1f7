/**
 * The compatibility suite: every flow of `flows/index.ts` against one PocketBase version. Each version has its
 * own test file (`pocketbase-<version>.test.ts`), so versions run in parallel workers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  binaryFor,
  reportedVersion,
  type SupportedPocketBaseVersion,
} from '../helpers/pocketbase-versions.js'
import { startCompatEnvironment, type CompatEnvironment } from './environment.js'
import type { CompatFlow } from './flow.js'
import { COMPAT_FLOWS } from './flows/index.js'

const isLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

/**
 * Declares the suite of one version: the binary reports that version, then each flow is one test.
 *
 * @param version - the PocketBase version under test
 * @param flows - the flows to run @default COMPAT_FLOWS
 */
export function describeCompatibility(
  version: SupportedPocketBaseVersion,
  flows: readonly CompatFlow[] = COMPAT_FLOWS,
): void {
  if (!isLinuxX64) {
    console.warn(
      `SKIPPING compatibility with PocketBase ${version}: its npm binary exists for linux x64 only`,
    )
  }
  describe.skipIf(!isLinuxX64)(`PocketBase ${version}`, () => {
    let bin: string
    let env: CompatEnvironment | undefined

    beforeAll(async () => {
      bin = binaryFor(version)
      env = await startCompatEnvironment(version, bin)
      for (const flow of flows) await flow.setup?.(env)
    })

    afterEach(() => env?.disposeClients())

    afterAll(async () => {
      await env?.stop()
    })

    it(`the binary reports version ${version}`, async () => {
      expect(await reportedVersion(bin)).toBe(version)
    })

    for (const flow of flows) {
      it(flow.name, async () => {
        if (env === undefined) throw new Error('the environment did not start')
        await flow.run(env)
      })
    }
  })
}
