/**
 * Finds (and, from `@sparticuz/chromium`, unpacks) Chromium once per run, before any browser test file starts, so
 * parallel files never unpack it at the same time; the path reaches the tests through `inject('chromiumPath')`.
 */
import type { TestProject } from 'vitest/node'
import { findChromium } from './chromium.js'

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string
  }
}

export default async function setup(project: TestProject): Promise<void> {
  project.provide('chromiumPath', await findChromium())
}
