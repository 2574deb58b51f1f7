/**
 * Fails the test run when a promise rejection goes unhandled. Vitest reports unhandled errors at the end of a
 * run; this setup makes the test during which the rejection happened fail, naming the reason, so a leaked
 * rejection (a background refresh nobody awaited, a listener's promise) is caught where it starts.
 *
 * Use it as a `setupFiles` entry, or import it at the top of a test file. Importing it twice is harmless.
 */
import { inspect } from 'node:util'
import { afterAll, afterEach } from 'vitest'

interface UnhandledRegistry {
  readonly reasons: unknown[]
}

const REGISTRY = Symbol.for('pocketbase-auth.test.unhandled-rejections')
const holder = globalThis as typeof globalThis & { [REGISTRY]?: UnhandledRegistry }

function registry(): UnhandledRegistry {
  const existing = holder[REGISTRY]
  if (existing !== undefined) return existing
  const created: UnhandledRegistry = { reasons: [] }
  holder[REGISTRY] = created
  // One listener per worker process, however many test files import this module.
  process.on('unhandledRejection', (reason: unknown) => {
    created.reasons.push(reason)
  })
  return created
}

const { reasons } = registry()

function failOnUnhandled(): void {
  if (reasons.length === 0) return
  const seen = reasons.splice(0)
  throw new Error(
    `${seen.length} unhandled promise rejection(s); the first: ${inspect(seen[0], { depth: 4 })}`,
  )
}

afterEach(failOnUnhandled)
afterAll(failOnUnhandled)
