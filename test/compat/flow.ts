import type { CompatEnvironment } from './environment.js'

/**
 * One main flow of the SDK, run against every supported PocketBase version. To add a flow: write a file in
 * `flows/` exporting a `CompatFlow`, and list it in `flows/index.ts`; every version file then runs it.
 */
export interface CompatFlow {
  /** The test's name, e.g. `password: signs in, and rejects a wrong password`. */
  readonly name: string
  /** Once per server, before any flow runs: the collections and settings this flow needs. */
  readonly setup?: (env: CompatEnvironment) => Promise<void>
  /** The flow and its assertions; branch on `env.isAtLeast()` where PocketBase versions differ. */
  readonly run: (env: CompatEnvironment) => Promise<void>
}
