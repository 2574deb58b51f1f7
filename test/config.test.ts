import { describe, expect, it } from 'vitest'
import { MAX_TIMER_DELAY_MS, resolveConfig } from '../src/config.js'
import { createAuthClient, DEFAULTS } from '../src/index.js'
import type { AuthClientOptions, ConfigError } from '../src/index.js'
import { silentLogger } from '../src/logger.js'
import { configErrorOf } from './helpers/config-error.js'

const url = 'http://pb.test'

/** Runs `createAuthClient` with untyped options and returns the ConfigError it must throw. */
function clientConfigErrorOf(options: unknown): ConfigError {
  return configErrorOf(() => createAuthClient(options as AuthClientOptions))
}

const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
}

describe('resolveConfig defaults', () => {
  it('applies every default to a url-only config', () => {
    const config = resolveConfig({ url })
    expect(config).toMatchObject({
      url,
      collection: 'users',
      autoRefresh: true,
      refreshSkewSeconds: 300,
      timeoutMs: 30_000,
      credentials: undefined,
      fetch: undefined,
      userAgent: undefined,
      store: undefined,
    })
    expect(config.now).toBe(Date.now)
    expect(config.logger).toBe(silentLogger)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('exports the defaults as one frozen object', () => {
    expect(DEFAULTS).toMatchObject({
      collection: 'users',
      autoRefresh: true,
      refreshSkewSeconds: 300,
      timeoutMs: 30_000,
    })
    expect(Object.isFrozen(DEFAULTS)).toBe(true)
  })

  it('keeps given values and strips trailing slashes from the url', () => {
    const now = (): number => 42
    const fetch = globalThis.fetch
    const credentials = (): { identity: string; password: string } => ({ identity: 'a', password: 'b' })
    const config = resolveConfig({
      url: 'https://pb.example.com/base//',
      collection: '_superusers',
      autoRefresh: false,
      refreshSkewSeconds: 0,
      timeoutMs: 1,
      now,
      fetch,
      credentials,
      logger,
      userAgent: 'my-app/1.0',
    })
    expect(config).toMatchObject({
      url: 'https://pb.example.com/base',
      collection: '_superusers',
      autoRefresh: false,
      refreshSkewSeconds: 0,
      timeoutMs: 1,
      userAgent: 'my-app/1.0',
    })
    expect(config.now).toBe(now)
    expect(config.fetch).toBe(fetch)
    expect(config.credentials).toBe(credentials)
    expect(config.logger).toBe(logger)
  })

  it('accepts the largest timer delay', () => {
    expect(resolveConfig({ url, timeoutMs: MAX_TIMER_DELAY_MS }).timeoutMs).toBe(MAX_TIMER_DELAY_MS)
  })

  it('bounds refreshSkewSeconds by the largest whole number of seconds a timer can wait, and says so', () => {
    const largest = Math.floor(MAX_TIMER_DELAY_MS / 1000)
    expect(resolveConfig({ url, refreshSkewSeconds: largest }).refreshSkewSeconds).toBe(largest)
    expect(clientConfigErrorOf({ url, refreshSkewSeconds: largest + 1 }).issues).toEqual([
      { path: 'refreshSkewSeconds', message: `must be between 0 and ${largest}` },
    ])
  })

  it('calls NaN not a number, rather than out of range', () => {
    expect(clientConfigErrorOf({ url, timeoutMs: Number.NaN }).issues).toEqual([
      { path: 'timeoutMs', message: 'must be a number' },
    ])
  })

  it('createAuthClient uses the default collection', () => {
    const auth = createAuthClient({ url })
    expect(auth.collection).toBe('users')
    expect(auth.session).toBeNull()
    expect(auth.isAuthenticated).toBe(false)
    auth.dispose()
  })
})

describe('createAuthClient rejects bad options with a ConfigError naming each one', () => {
  const SECRET = 'hunter2-do-not-echo'
  it.each<[string, Record<string, unknown>, string, string?]>([
    ['url missing', {}, 'url'],
    ['url relative', { url: '/api' }, 'url', '/api'],
    ['url with a query', { url: `http://pb.test/?token=${SECRET}` }, 'url', SECRET],
    ['url with a fragment', { url: `http://pb.test/#${SECRET}` }, 'url', SECRET],
    ['url not http(s)', { url: `ftp://${SECRET}.test` }, 'url', SECRET],
    ['url not a string', { url: 8090 }, 'url', '8090'],
    ['collection empty', { url, collection: '' }, 'collection'],
    ['collection too long', { url, collection: 'c'.repeat(256) }, 'collection', 'c'.repeat(256)],
    ['refreshSkewSeconds negative', { url, refreshSkewSeconds: -17 }, 'refreshSkewSeconds', '-17'],
    ['refreshSkewSeconds NaN', { url, refreshSkewSeconds: Number.NaN }, 'refreshSkewSeconds', 'NaN'],
    ['refreshSkewSeconds a string', { url, refreshSkewSeconds: '300' }, 'refreshSkewSeconds', '300'],
    ['timeoutMs 0', { url, timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs a fraction', { url, timeoutMs: 12.75 }, 'timeoutMs', '12.75'],
    ['timeoutMs too big', { url, timeoutMs: 2 ** 31 }, 'timeoutMs', String(2 ** 31)],
    ['timeoutMs Infinity', { url, timeoutMs: Number.POSITIVE_INFINITY }, 'timeoutMs', 'Infinity'],
    ['autoRefresh not a boolean', { url, autoRefresh: 'yes' }, 'autoRefresh', 'yes'],
    ['logger missing a method', { url, logger: { debug() {}, info() {}, warn() {} } }, 'logger'],
    ['logger not an object', { url, logger: 'console' }, 'logger', 'console'],
    [
      'credentials not a function',
      { url, credentials: { identity: 'a@b.c', password: SECRET } },
      'credentials',
      SECRET,
    ],
    ['fetch not a function', { url, fetch: 'fetch' }, 'fetch'],
    ['now not a function', { url, now: 1_700_000_000_000 }, 'now', '1700000000000'],
    ['now returning NaN', { url, now: () => Number.NaN }, 'now', 'NaN'],
    ['now returning a string', { url, now: () => '1700000000000' }, 'now', '1700000000000'],
    [
      'now throwing',
      {
        url,
        now: () => {
          throw new Error(SECRET)
        },
      },
      'now',
      SECRET,
    ],
    ['userAgent not a string', { url, userAgent: 42 }, 'userAgent'],
    ['gateSecret too short', { url, gateSecret: 'short-gate-secret' }, 'gateSecret', 'short-gate-secret'],
    [
      'gateSecret with characters a rule cannot hold',
      { url, gateSecret: 'gate"secret || 1=1 -- 0123456789abcdef' },
      'gateSecret',
      'gate"secret',
    ],
    ['store missing a method', { url, store: { get() {}, set() {} } }, 'store'],
    ['unknown option key', { url, password: SECRET }, 'password', SECRET],
  ])('%s', (_label, options, option, badValue) => {
    const error = clientConfigErrorOf(options)
    expect(error.code).toBe('config_invalid')
    expect(error.issues.map((issue) => issue.path)).toEqual([option])
    expect(error.message).toContain(option)
    if (badValue !== undefined) {
      expect(error.message).not.toContain(badValue)
      expect(JSON.stringify(error)).not.toContain(badValue)
      expect(JSON.stringify(error.issues)).not.toContain(badValue)
    }
  })

  it('lists every bad option in one error', () => {
    const error = clientConfigErrorOf({
      url: '/relative',
      collection: '',
      refreshSkewSeconds: -1,
      timeoutMs: 0.5,
      logger: {},
      credentials: 'nope',
      now: () => Number.NaN,
      extra: true,
    })
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      [
        'collection',
        'credentials',
        'extra',
        'logger',
        'now',
        'refreshSkewSeconds',
        'timeoutMs',
        'url',
      ].sort(),
    )
    for (const issue of error.issues) expect(error.message).toContain(issue.path)
    expect(error.message).toMatch(/^Invalid AuthClient options: /)
  })

  it.each([undefined, null, 'http://pb.test', 42])(
    'rejects options that are not an object (%j)',
    (options) => {
      expect(clientConfigErrorOf(options).issues.length).toBeGreaterThan(0)
    },
  )

  it('a missing url says it is required', () => {
    expect(clientConfigErrorOf({}).issues).toEqual([{ path: 'url', message: 'is required' }])
  })
})
