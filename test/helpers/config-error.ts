import { ConfigError } from '../../src/index.js'

/** Runs `run`, which must throw a `ConfigError`, and returns it; anything else thrown fails the test as is. */
export function configErrorOf(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}
