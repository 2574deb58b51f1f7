/**
 * createRedisSessionShare against a real redis-server, with each client kind: what the fleet relies on (load,
 * the expiring lock and its compare-and-delete release, publication and its notification, the watch's own
 * connection), and what Redis ends up holding (ciphertext under hashed key names).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SessionShare } from '../../src/index.js'
import { createRedisSessionShare } from '../../src/redis/index.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import { CLIENT_KINDS, connectClient, sampleSession, type TestClient } from './clients.js'

const SEAL_KEY = 'test-seal-key-0123456789-abcdefghijklmnop'
const SCOPE = 'http://127.0.0.1:8090|_superusers'

let server: RedisServer
const opened: TestClient[] = []

beforeAll(async () => {
  server = await startRedisServer()
})

afterAll(async () => {
  await server?.stop()
})

afterEach(async () => {
  for (const client of opened.splice(0)) await client.close()
})

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`never happened: ${what}`)
}

describe.each(CLIENT_KINDS)('createRedisSessionShare with %s', (kind) => {
  async function share(
    key: string,
    sealKey: string | string[] = SEAL_KEY,
  ): Promise<{ share: SessionShare; raw: TestClient['raw'] }> {
    const client = await connectClient(kind, server.url)
    opened.push(client)
    return { share: createRedisSessionShare(client.client, { key, sealKey }), raw: client.raw }
  }

  it('loads null when nothing is stored, and the published session afterwards, from another process', async () => {
    const a = await share(`${kind}:roundtrip`)
    const b = await share(`${kind}:roundtrip`)
    expect(await a.share.load(SCOPE)).toBeNull()
    const session = sampleSession()
    await a.share.publish(SCOPE, session)
    expect(await b.share.load(SCOPE)).toEqual(session)
    expect(await b.share.load('http://127.0.0.1:8090|users')).toBeNull() // another scope
  })

  it('stores ciphertext only: no token, no email, no URL or collection in keys or values', async () => {
    const { share: fleet, raw } = await share(`${kind}:sealed`)
    const session = sampleSession()
    await fleet.publish(SCOPE, session)
    const lock = await fleet.lock(SCOPE, 15_000)
    const keys = (await raw('KEYS', `${kind}:sealed*`)) as string[]
    expect(keys).toHaveLength(2)
    const everything = keys.join(' ')
    expect(everything).not.toMatch(/http|127\.0\.0\.1|superusers/)
    const sessionKey = keys.find((name) => name.endsWith(':session'))!
    const stored = (await raw('GET', sessionKey)) as string
    expect(stored.split('.')).toHaveLength(5) // compact JWE
    const header = JSON.parse(Buffer.from(stored.split('.')[0]!, 'base64url').toString()) as Record<
      string,
      unknown
    >
    expect(header).toMatchObject({ alg: 'dir', enc: 'A256GCM' })
    for (const secret of [session.token, 'SECRET-TOKEN-SIGNATURE', 'worker@example.com', 'super1234567890']) {
      expect(stored).not.toContain(secret)
      expect(Buffer.from(stored.replace(/\./g, ''), 'base64url').toString('latin1')).not.toContain(secret)
    }
    // The stored session lives as long as its token.
    const ttl = (await raw('PTTL', sessionKey)) as number
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)
    await lock?.()
  })

  it('lock: one taker at a time, with an expiry; release frees it only for the taker that still holds it', async () => {
    const a = await share(`${kind}:lock`)
    const b = await share(`${kind}:lock`)
    const releaseA = await a.share.lock(SCOPE, 15_000)
    expect(releaseA).toBeTypeOf('function')
    expect(await b.share.lock(SCOPE, 15_000)).toBeNull()
    const [lockKey] = (await a.raw('KEYS', `${kind}:lock*:lock`)) as string[]
    const ttl = (await a.raw('PTTL', lockKey!)) as number
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(15_000)
    await releaseA!()
    const releaseB = await b.share.lock(SCOPE, 15_000)
    expect(releaseB).toBeTypeOf('function')
    // A's lock is long gone and B holds it now: A releasing again must not free B's lock.
    await releaseA!()
    expect(await a.share.lock(SCOPE, 15_000)).toBeNull()
    await releaseB!()
  })

  it('a holder whose lock expired and was taken by another does not overwrite the newer publication', async () => {
    const a = await share(`${kind}:fence`)
    const b = await share(`${kind}:fence`)
    const releaseA = await a.share.lock(SCOPE, 15_000)
    const [lockKey] = (await a.raw('KEYS', `${kind}:fence*:lock`)) as string[]
    await a.raw('DEL', lockKey!) // A's lock expired...
    const releaseB = await b.share.lock(SCOPE, 15_000) // ...and B took it
    const newer = sampleSession({ token: 'newer.token.b', expiresAt: Date.now() + 120_000 })
    await b.share.publish(SCOPE, newer, releaseB!)
    await a.share.publish(SCOPE, sampleSession({ token: 'stale.token.a' }), releaseA!)
    expect((await a.share.load(SCOPE))?.token).toBe('newer.token.b')
    await releaseB!()
    await releaseA!()
  })

  it('watch: every watcher hears a publication; unwatching stops it and closes the watch connection', async () => {
    const a = await share(`${kind}:watch`)
    const b = await share(`${kind}:watch`)
    const connections = async (): Promise<number> =>
      String(await a.raw('CLIENT', 'LIST'))
        .trim()
        .split('\n').length
    const before = await connections()
    let heardA = 0
    let heardB = 0
    const unwatchA = await a.share.watch(SCOPE, () => heardA++)
    const unwatchB = await b.share.watch(SCOPE, () => heardB++)
    expect(await connections()).toBe(before + 2) // one subscriber connection per share
    await a.share.publish(SCOPE, sampleSession())
    await until(() => heardA === 1 && heardB === 1, 'both watchers heard the publication')
    unwatchB()
    unwatchB() // idempotent
    await b.share.publish(SCOPE, sampleSession())
    await until(() => heardA === 2, 'the remaining watcher heard the second publication')
    expect(heardB).toBe(1)
    unwatchA()
    await until(async () => (await connections()) === before, 'the watch connections closed')
  })

  it('a session sealed with another key, or copied to another scope, loads as null', async () => {
    const a = await share(`${kind}:keys`)
    const other = await share(`${kind}:keys`, 'another-seal-key-0123456789-abcdefghijk')
    await a.share.publish(SCOPE, sampleSession())
    expect(await other.share.load(SCOPE)).toBeNull()
    // Copy the value under another scope's key: the scope is bound into the sealed header.
    const otherScope = 'http://127.0.0.1:8090|users'
    await a.share.publish(otherScope, sampleSession({ token: 'users.token.x' }))
    const keys = ((await a.raw('KEYS', `${kind}:keys*:session`)) as string[]).sort()
    const [first, second] = keys as [string, string]
    await a.raw('COPY', first, second, 'REPLACE')
    const loaded = [await a.share.load(SCOPE), await a.share.load(otherScope)]
    expect(loaded.filter((session) => session === null)).toHaveLength(1)
    // Tampered ciphertext loads as null too.
    await a.raw('SET', first, 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.BBBB.CCCC')
    expect([await a.share.load(SCOPE), await a.share.load(otherScope)]).toContain(null)
  })

  it("a session copied from another key's entry (same seal key, same scope) loads as null", async () => {
    const admin = await share(`${kind}:admin`)
    const reports = await share(`${kind}:reports`)
    await admin.share.publish(SCOPE, sampleSession({ token: 'admin.token.x' }))
    await reports.share.publish(SCOPE, sampleSession({ token: 'reports.token.y' }))
    const [adminKey] = (await admin.raw('KEYS', `${kind}:admin*:session`)) as string[]
    const [reportsKey] = (await admin.raw('KEYS', `${kind}:reports*:session`)) as string[]
    await admin.raw('COPY', adminKey!, reportsKey!, 'REPLACE')
    expect(await reports.share.load(SCOPE)).toBeNull()
    expect((await admin.share.load(SCOPE))?.token).toBe('admin.token.x')
  })

  it('publish with a lock this share never gave stores nothing', async () => {
    const a = await share(`${kind}:foreign-lock`)
    await a.share.publish(SCOPE, sampleSession(), async () => undefined)
    expect(await a.share.load(SCOPE)).toBeNull()
  })

  it('rotation: [new, old] reads what the old key sealed and seals with the new one', async () => {
    const NEW = 'rotated-seal-key-0123456789-abcdefghijkl'
    const old = await share(`${kind}:rotate`)
    const both = await share(`${kind}:rotate`, [NEW, SEAL_KEY])
    const onlyNew = await share(`${kind}:rotate`, NEW)
    await old.share.publish(SCOPE, sampleSession({ token: 'sealed.with.old' }))
    expect((await both.share.load(SCOPE))?.token).toBe('sealed.with.old')
    expect(await onlyNew.share.load(SCOPE)).toBeNull()
    await both.share.publish(SCOPE, sampleSession({ token: 'sealed.with.new' }))
    expect((await onlyNew.share.load(SCOPE))?.token).toBe('sealed.with.new')
    expect(await old.share.load(SCOPE)).toBeNull()
  })

  it('an expired session is not stored', async () => {
    const a = await share(`${kind}:expired`)
    await a.share.publish(SCOPE, sampleSession({ expiresAt: Date.now() - 1 }))
    expect(await a.share.load(SCOPE)).toBeNull()
  })
})

describe('ioredis clients with their own settings', () => {
  it.each([
    ['enableOfflineQueue: false', { enableOfflineQueue: false }],
    ['lazyConnect: true', { lazyConnect: true }],
  ] as const)('%s: the watch hears publications', async (_name, settings) => {
    const { Redis } = await import('ioredis')
    const client = new Redis(server.url, { maxRetriesPerRequest: 1, ...settings })
    client.on('error', () => undefined)
    const share = createRedisSessionShare(client, { key: 'io-settings', sealKey: SEAL_KEY })
    try {
      let heard = 0
      const unwatch = await share.watch(SCOPE, () => heard++)
      await share.publish(SCOPE, sampleSession())
      await until(() => heard === 1, 'the watcher heard the publication')
      expect((await share.load(SCOPE))?.recordId).toBe(sampleSession().recordId)
      unwatch()
    } finally {
      client.disconnect()
    }
  })
})
