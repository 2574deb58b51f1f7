/**
 * createRedisSessionShare when things go wrong, against a real redis-server: bad options fail at creation
 * naming the option; a Redis that is down, that never answers, or that refuses the password makes every method
 * reject within the time limit with a `network` error naming host:port and never the password; the share works
 * again once Redis is back.
 */
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createClient } from 'redis'
import { createRedisSessionShare } from '../../src/redis/index.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { CLIENT_KINDS, connectClient, sampleSession, type TestClient } from './clients.js'

const SEAL_KEY = 'test-seal-key-0123456789-abcdefghijklmnop'
const PASSWORD = 'redis-pass-Zq81xKv0'
const SCOPE = 'http://127.0.0.1:8090|_superusers'

let server: RedisServer
const opened: TestClient[] = []

beforeAll(async () => {
  server = await startRedisServer(['--requirepass', PASSWORD, '--enable-debug-command', 'yes'])
})

afterAll(async () => {
  await server?.stop()
})

afterEach(async () => {
  for (const client of opened.splice(0)) await client.close()
  // A test that failed between kill() and restart() must not leave the next one without a server.
  if (!server.running) await server.restart()
})

function expectNoSecret(error: unknown): void {
  for (const view of [String(error), JSON.stringify(error), inspect(error, { showHidden: true, depth: 8 })]) {
    expect(view).not.toContain(PASSWORD)
    expect(view).not.toContain(SEAL_KEY)
  }
}

describe('options', () => {
  it('names each bad option, never quoting a value', () => {
    const attempt = (redis: unknown, options: unknown): unknown => {
      try {
        createRedisSessionShare(redis as object, options as never)
      } catch (error) {
        return error
      }
      return undefined
    }
    const client = createClient()
    const error = attempt(
      { get: () => null },
      { key: 'has space', sealKey: 'short-secret-value', timeoutMs: 0 },
    )
    expect(error).toMatchObject({
      code: 'config_invalid',
      issues: [
        expect.objectContaining({ path: 'redis' }),
        expect.objectContaining({ path: 'key' }),
        expect.objectContaining({ path: 'timeoutMs' }),
        expect.objectContaining({ path: 'sealKey', message: expect.stringContaining('32 bytes') }),
      ],
    })
    expect(JSON.stringify(error)).not.toContain('short-secret-value')
    expect(attempt(client, { key: 'k', sealKey: [SEAL_KEY, 'too-short'] })).toMatchObject({
      issues: [expect.objectContaining({ path: 'sealKey[1]' })],
    })
    const previous = process.env.POCKETBASE_SHARE_KEY
    try {
      delete process.env.POCKETBASE_SHARE_KEY
      expect(attempt(client, { key: 'k', sealKey: undefined })).toMatchObject({
        issues: [
          expect.objectContaining({
            path: 'sealKey',
            message: expect.stringContaining('POCKETBASE_SHARE_KEY'),
          }),
        ],
      })
      process.env.POCKETBASE_SHARE_KEY = 'env-short'
      expect(attempt(client, { key: 'k' })).toMatchObject({
        issues: [expect.objectContaining({ path: 'POCKETBASE_SHARE_KEY' })],
      })
      process.env.POCKETBASE_SHARE_KEY = SEAL_KEY
      expect(attempt(client, { key: 'k' })).toBeUndefined()
    } finally {
      if (previous === undefined) delete process.env.POCKETBASE_SHARE_KEY
      else process.env.POCKETBASE_SHARE_KEY = previous
    }
  })
})

describe.each(CLIENT_KINDS)('an unreachable Redis, with %s', (kind) => {
  async function connected(): Promise<TestClient> {
    const client = await connectClient(kind, `redis://:${PASSWORD}@127.0.0.1:${server.port}`)
    opened.push(client)
    return client
  }

  it('down: every method rejects with network naming host:port, never the password; back: it works again', async () => {
    const { client } = await connected()
    const share = createRedisSessionShare(client, { key: `${kind}:down`, sealKey: SEAL_KEY, timeoutMs: 300 })
    await share.publish(SCOPE, sampleSession())
    await server.kill()
    const failures = await Promise.allSettled([
      share.load(SCOPE),
      share.lock(SCOPE, 15_000),
      share.publish(SCOPE, sampleSession()),
      share.watch(SCOPE, () => undefined),
    ])
    for (const failure of failures) {
      expect(failure.status).toBe('rejected')
      const error = (failure as PromiseRejectedResult).reason as Error
      expect(error).toMatchObject({ code: 'network', name: 'NetworkError' })
      expect(error.message).toContain(`127.0.0.1:${server.port}`)
      expectNoSecret(error)
    }
    await server.restart()
    let release: (() => Promise<void>) | null = null
    for (let i = 0; i < 100 && release === null; i++) {
      release = await share.lock(SCOPE, 15_000).catch(() => null)
      if (release === null) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(release).toBeTypeOf('function')
    expect(await share.load(SCOPE)).toBeNull() // nothing persisted across the restart
    await release!()
  })

  it('many commands waiting for a connection add one ready listener to the client, removed afterwards', async () => {
    const { client } = await connected()
    const emitter = client as unknown as { listenerCount(event: string): number }
    const before = emitter.listenerCount('ready')
    const shares = Array.from({ length: 3 }, (_, i) =>
      createRedisSessionShare(client, { key: `${kind}:listeners:${i}`, sealKey: SEAL_KEY, timeoutMs: 300 }),
    )
    await server.kill()
    try {
      const waits = shares.flatMap((share) => Array.from({ length: 10 }, () => share.load(SCOPE)))
      expect(emitter.listenerCount('ready')).toBeLessThanOrEqual(before + 1)
      const results = await Promise.allSettled(waits)
      expect(results.every((result) => result.status === 'rejected')).toBe(true)
      // The waits' own timers end just after the commands gave up: then the listener is gone.
      for (let i = 0; i < 100 && emitter.listenerCount('ready') > before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(emitter.listenerCount('ready')).toBe(before)
    } finally {
      await server.restart()
    }
  })

  it('a Redis that does not answer: the call gives up at the time limit, and a lock taken late is given back', async () => {
    const { client, raw } = await connected()
    const blocker = await connected()
    const share = createRedisSessionShare(client, { key: `${kind}:slow`, sealKey: SEAL_KEY, timeoutMs: 300 })
    const sleeping = blocker.raw('DEBUG', 'SLEEP', '3')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const error = await share.lock(SCOPE, 15_000).then(
      () => undefined,
      (failure: unknown) => failure,
    )
    expect(error).toMatchObject({
      code: 'network',
      message: expect.stringContaining('did not answer within 300 ms'),
    })
    await sleeping
    let keys: unknown[] = ['pending']
    for (let i = 0; i < 100 && keys.length > 0; i++) {
      keys = (await raw('KEYS', `${kind}:slow*`)) as unknown[]
      if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(keys).toEqual([])
  })
})

describe('a refused password', () => {
  it.each(CLIENT_KINDS)('%s: the error names the code and host:port, never the password', async (kind) => {
    const wrong = `redis://:${PASSWORD}-wrong@127.0.0.1:${server.port}`
    const client =
      kind === 'ioredis'
        ? new (await import('ioredis')).Redis(wrong, { maxRetriesPerRequest: 0, lazyConnect: true })
        : createClient({ url: wrong })
    client.on('error', () => undefined)
    try {
      const share = createRedisSessionShare(client, { key: 'refused', sealKey: SEAL_KEY, timeoutMs: 500 })
      const error = await share.load(SCOPE).then(
        () => undefined,
        (failure: unknown) => failure,
      )
      expect(error).toMatchObject({
        code: 'network',
        message: expect.stringContaining(`127.0.0.1:${server.port}`),
      })
      expectNoSecret(error)
    } finally {
      if ('disconnect' in client && typeof client.disconnect === 'function' && kind === 'ioredis')
        client.disconnect()
      else if ('destroy' in client && typeof client.destroy === 'function' && client.isOpen) client.destroy()
    }
  })
})
