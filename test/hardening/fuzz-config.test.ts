import '../setup/fail-on-unhandled.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AuthClient,
  ConfigError,
  createAuthClient,
  createMemoryTokenStore,
  isAuthError,
} from '../../src/index.js'
import { ENV_VARIABLES, createAuthClientFromEnv, loadEnv } from '../../src/node/index.js'
import { createFakeFetch, json, signInBody } from './fake-fetch.js'

const RUNS = { numRuns: 1000 }
/**
 * Each property runs a fixed 1,000 times: the work is bounded by iterations. The test limit only ends a hang;
 * at vitest's default of 5 s these tests failed on a loaded 2-core machine while doing nothing wrong.
 */
const HANG_LIMIT = { timeout: 60_000 }

/** Values of every shape a caller could pass by mistake. */
const junk = fc.oneof(
  fc.anything(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, 0.5, 2 ** 31, 2 ** 53, '', ' ', null, undefined),
  fc.func(fc.anything()),
)
const urlLike = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'http://127.0.0.1:8090',
    'https://pb.example.com/',
    'ftp://x',
    'http://',
    '/api',
    'localhost',
  ),
  fc.string(),
  junk,
)
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
}

/** Arbitrary option objects: every known option with plausible and absurd values, plus unknown keys. */
const optionsArbitrary = fc.oneof(
  { weight: 1, arbitrary: junk },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        url: urlLike,
        collection: fc.oneof(fc.string(), fc.constantFrom('users', '_superusers', 'x'.repeat(256)), junk),
        autoRefresh: fc.oneof(fc.boolean(), junk),
        refreshSkewSeconds: fc.oneof(fc.double(), fc.integer(), junk),
        timeoutMs: fc.oneof(fc.integer(), fc.double(), junk),
        credentials: fc.oneof(
          fc.constant(() => ({ identity: 'a@b.c', password: 'pw-123456' })),
          junk,
        ),
        fetch: fc.oneof(fc.constant(globalThis.fetch), junk),
        now: fc.oneof(fc.constant(Date.now), junk),
        logger: fc.oneof(fc.constant(logger), fc.record({ debug: junk, info: junk }), junk),
        userAgent: fc.oneof(fc.string(), junk),
        // A working store (a fresh one per run): a store that drops the session cannot give a signed-in client.
        store: fc.oneof(
          fc.constant(null).map(() => createMemoryTokenStore()),
          junk,
        ),
        extra: junk,
      },
      { requiredKeys: [] },
    ),
  },
)

function expectConfigError(error: unknown): void {
  expect(error).toBeInstanceOf(ConfigError)
  expect(isAuthError(error)).toBe(true)
  const configError = error as ConfigError
  expect(configError.code).toBe('config_invalid')
  expect(configError.issues.length).toBeGreaterThan(0)
  for (const issue of configError.issues) {
    expect(typeof issue.path).toBe('string')
    expect(typeof issue.message).toBe('string')
  }
  // Serialising or inspecting the error must never throw either.
  expect(() => JSON.stringify(configError)).not.toThrow()
  expect(() => inspect(configError)).not.toThrow()
}

describe('fuzzed client options', () => {
  it('give a ConfigError or a client, never another exception', HANG_LIMIT, () => {
    fc.assert(
      fc.property(optionsArbitrary, (options) => {
        let auth: AuthClient | undefined
        try {
          auth = createAuthClient(options as never)
        } catch (error) {
          expectConfigError(error)
          return
        }
        try {
          expect(auth).toBeInstanceOf(AuthClient)
          expect(auth.session).toBeNull()
          expect(auth.isAuthenticated).toBe(false)
          expect(() => JSON.stringify(auth)).not.toThrow()
        } finally {
          auth.dispose()
        }
      }),
      RUNS,
    )
  })

  it('that are accepted give a client that signs in', HANG_LIMIT, async () => {
    const { fetch } = createFakeFetch(() => json(signInBody()))
    await fc.assert(
      fc.asyncProperty(optionsArbitrary, async (options) => {
        const withFetch =
          typeof options === 'object' && options !== null ? { ...options, fetch, now: Date.now } : options
        let auth: AuthClient
        try {
          auth = createAuthClient(withFetch as never)
        } catch (error) {
          expectConfigError(error)
          return
        }
        try {
          const session = await auth.authWithPassword('alice@example.com', 'pw-123456')
          expect(session.recordId).toBe('record1234567ab')
          expect(auth.isAuthenticated).toBe(true)
        } finally {
          auth.dispose()
        }
      }),
      RUNS,
    )
  })
})

describe('fuzzed environment maps', () => {
  let dir: string
  let emptyEnvFile: string

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pb-auth-env-'))
    emptyEnvFile = join(dir, '.env')
    writeFileSync(emptyEnvFile, '')
  })

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  const envValue = fc.oneof(
    fc.string(),
    fc.constantFrom('', ' ', '0', '-1', '1.5', '30000', 'debug', 'loud', 'http://127.0.0.1:8090', 'nope'),
    fc.webUrl(),
    fc.emailAddress(),
    fc.nat().map(String),
  )
  /** The superuser password is always a distinctive string, so an echo of it can be detected. */
  const passwordArbitrary = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((value) => `pw-${value}`)
  const envArbitrary = fc.record({
    known: fc.dictionary(fc.constantFrom(...ENV_VARIABLES), envValue),
    unknown: fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
    password: fc.option(passwordArbitrary, { nil: undefined }),
  })

  it(
    'give a ConfigError or a client, never another exception, and never echo the password',
    HANG_LIMIT,
    () => {
      fc.assert(
        fc.property(envArbitrary, ({ known, unknown, password }) => {
          const env: Record<string, string> = { ...unknown, ...known }
          if (password !== undefined) env.POCKETBASE_SUPERUSER_PASSWORD = password
          let auth: AuthClient | undefined
          try {
            auth = createAuthClientFromEnv({ env, path: emptyEnvFile, logger })
          } catch (error) {
            expectConfigError(error)
            if (password !== undefined) {
              const configError = error as ConfigError
              const shown = [
                configError.message,
                configError.stack ?? '',
                JSON.stringify(configError),
                inspect(configError, { depth: 10 }),
              ].join('\n')
              expect(shown).not.toContain(password)
            }
            return
          }
          try {
            expect(auth).toBeInstanceOf(AuthClient)
            const parsed = loadEnv({ env, path: emptyEnvFile })
            expect(auth.collection).toBe(
              parsed.collection ?? (parsed.superuser === undefined ? 'users' : '_superusers'),
            )
            expect(JSON.stringify(parsed)).not.toContain(password ?? '\u0000')
          } finally {
            auth.dispose()
          }
        }),
        RUNS,
      )
    },
  )
})
