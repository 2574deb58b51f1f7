/**
 * A fleet of real worker processes sharing one superuser session over a real Redis (ioredis), against a real
 * PocketBase with 15 s tokens and its rate limiter on, counted at a proxy: a cold start is one auth-with-password
 * for the whole fleet, each token is refreshed once, a rotated password is one re-sign-in, what Redis holds is
 * ciphertext, and Redis killed mid-run costs no call (one `error` event per worker) before the fleet rejoins.
 * The steps run in order on one fleet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js'
import {
  refreshedTwice,
  startFleet,
  startFleetServer,
  total,
  type Fleet,
  type FleetServer,
  type WorkerReport,
} from '../helpers/fleet.js'

const bin = pocketBaseBinaryForTests('fleet over Redis (ioredis)')
const WORKERS = 8
const SEAL_KEY = 'fleet-test-seal-key-0123456789-abcdefgh'
/** Hang limits only: each step waits for events (sign-ins, refreshes, reports), never for a set time. */
const STEP_LIMIT_MS = 150_000

const failed = (reports: WorkerReport[]): number => total(reports, (report) => report.failed)
const sameToken = (reports: WorkerReport[]): boolean =>
  reports.every((report) => report.tokenHash !== null && report.tokenHash === reports[0]!.tokenHash)

describe.skipIf(bin === undefined)('a fleet sharing one session over Redis (ioredis)', () => {
  let server: FleetServer
  let redis: RedisServer
  let fleet: Fleet | undefined

  beforeAll(async () => {
    ;[server, redis] = await Promise.all([startFleetServer(15), startRedisServer()])
  })

  afterAll(async () => {
    fleet?.kill()
    await Promise.all([server?.stop(), redis?.stop()])
  })

  it('cold start: the whole fleet signs in once and uses one token', { timeout: STEP_LIMIT_MS }, async () => {
    fleet = await startFleet(WORKERS, {
      PB_URL: server.url,
      IDENTITY: server.identity,
      PASSWORD_FILE: server.passwordFile,
      REDIS_URL: redis.url,
      REDIS_CLIENT: 'ioredis',
      SHARE_KEY: 'pb:fleet-test',
      POCKETBASE_SHARE_KEY: SEAL_KEY,
    })
    const reports = await fleet.until(
      (all) => all.every((report) => report.ok > 0),
      'every worker made a call',
    )
    expect(server.passwordSignIns()).toBe(1)
    expect(
      total(reports, (report) => report.sent['POST /api/collections/_superusers/auth-with-password'] ?? 0),
    ).toBe(1)
    expect(sameToken(reports)).toBe(true)
    expect(failed(reports)).toBe(0)
  })

  it(
    'near expiry: each token is refreshed once for the whole fleet',
    { timeout: STEP_LIMIT_MS },
    async () => {
      const reports = await fleet!.until(
        (all) => total(all, (report) => report.refreshedTokens.length) >= 2 && sameToken(all),
        'two token lifetimes refreshed, every worker on the new token',
      )
      expect(refreshedTwice(reports)).toEqual([])
      expect(server.refreshes()).toBe(total(reports, (report) => report.refreshedTokens.length))
      expect(server.passwordSignIns()).toBe(1)
      expect(failed(reports)).toBe(0)
    },
  )

  it('Redis holds ciphertext only', async () => {
    const [report] = await fleet!.reports({ token: true })
    const raw = new Redis(redis.url)
    try {
      const keys = await raw.keys('pb:fleet-test*')
      const values = await Promise.all(
        keys.map((key) => raw.type(key).then((type) => (type === 'string' ? raw.get(key) : ''))),
      )
      const stored = values.join('\n')
      expect(keys.join(' ')).not.toMatch(/127\.0\.0\.1|superusers|http/)
      expect(stored).toMatch(/^eyJhbGciOiJkaXIi/m) // a compact JWE: {"alg":"dir",...
      const token = report!.token!
      for (const part of [token, ...token.split('.'), server.identity]) expect(stored).not.toContain(part)
    } finally {
      raw.disconnect()
    }
  })

  it(
    'a rejected token (password rotated): one re-sign-in for the whole fleet, no failed call',
    { timeout: STEP_LIMIT_MS },
    async () => {
      const before = await fleet!.reports()
      const signIns = server.passwordSignIns()
      await server.rotatePassword()
      const reports = await fleet!.until(
        (all) =>
          sameToken(all) &&
          all[0]!.tokenHash !== before[0]!.tokenHash &&
          all.every((report, i) => report.ok > before[i]!.ok + 2),
        'every worker on a token of the new password, making calls',
      )
      expect(server.passwordSignIns() - signIns).toBe(1)
      expect(failed(reports)).toBe(0)
    },
  )

  it(
    'Redis killed mid-run: no failed call, one error event per worker; the fleet rejoins after the restart',
    { timeout: 2 * STEP_LIMIT_MS },
    async () => {
      await redis.kill()
      const start = await fleet!.reports()
      // Each worker refreshes alone (once per lifetime) and reports the unreachable share once.
      const alone = await fleet!.until(
        (all) =>
          all.every(
            (report, i) =>
              report.errorEvents >= 1 && report.refreshedTokens.length > start[i]!.refreshedTokens.length,
          ),
        'every worker refreshed alone',
      )
      expect(alone.every((report) => report.errorEvents === 1 && report.errorCodes[0] === 'network')).toBe(
        true,
      )
      await redis.restart()
      // Rejoined: every worker on one token again, published after the restart.
      const tokensBefore = new Set(alone.flatMap((report) => report.refreshedTokens))
      const rejoined = await fleet!.until(
        (all) => sameToken(all) && !tokensBefore.has(all[0]!.tokenHash!),
        'the fleet on one token again',
      )
      const seen = new Set(rejoined.flatMap((report) => report.refreshedTokens))
      const after = await fleet!.until(
        (all) =>
          total(all, (report) => report.refreshedTokens.filter((token) => !seen.has(token)).length) >= 2,
        'two more lifetimes refreshed',
      )
      expect(refreshedTwice(after, seen)).toEqual([])
      expect(after.map((report) => report.errorEvents)).toEqual(after.map(() => 1))
      expect(failed(after)).toBe(0)
      const last = await fleet!.stop()
      expect(failed(last)).toBe(0)
    },
  )
})
