/**
 * A vitest reporter (added by `npm test`) that fails the run when any test was skipped while a PocketBase
 * binary is available or CI is set: integration tests may only skip on platforms without a binary. A run
 * filtered with `-t` skips tests on purpose and is not checked.
 */
import type { Reporter, TestModule, Vitest } from 'vitest/node'
import { findPocketBaseBinary } from '../src/testing/index.js'

export default class NoSkipsReporter implements Reporter {
  #filteredByName = false

  onInit(vitest: Vitest): void {
    this.#filteredByName = vitest.config.testNamePattern !== undefined
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (this.#filteredByName) return
    const skipped: string[] = []
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests('skipped')) {
        skipped.push(`${testModule.relativeModuleId} > ${test.fullName}`)
      }
    }
    if (skipped.length === 0) return
    const mustRun = findPocketBaseBinary() !== undefined || (process.env['CI'] ?? '') !== ''
    const list = skipped.map((name) => `  - ${name}`).join('\n')
    if (!mustRun) {
      console.warn(`\n${skipped.length} test(s) SKIPPED (no PocketBase binary on this platform):\n${list}`)
      return
    }
    console.error(`\nFAIL: ${skipped.length} test(s) were skipped; no test may skip here:\n${list}`)
    process.exitCode = 1
  }
}
