/**
 * The same fleet with the `redis` (node-redis 5) client: real worker processes, real Redis, real PocketBase with
 * 15 s tokens and its rate limiter on, counted at a proxy. One sign-in per cold start, each token refreshed once,
 * Redis killed mid-run without a failed call, and the fleet on one token again after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

const bin = pocketBaseBinaryForTests('fleet over Redis (node-redis)')
const WORKERS = 4
/** Hang limits only: each step waits for events, never for a set time. */
const STEP_LIMIT_MS = 150_000

const failed = (reports: WorkerReport[]): number => total(reports, (report) => report.failed)
const sameToken = (reports: WorkerReport[]): boolean =>
  reports.every((report) => report.tokenHash !== null && report.tokenHash === reports[0]!.tokenHash)

describe.skipIf(bin === undefined)('a fleet sharing one session over Redis (node-redis)', () => {
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

  it(
    'cold start and near expiry: one sign-in, each token refreshed once',
    { timeout: STEP_LIMIT_MS },
    async () => {
      fleet = await startFleet(WORKERS, {
        PB_URL: server.url,
        IDENTITY: server.identity,
        PASSWORD_FILE: server.passwordFile,
        REDIS_URL: redis.url,
        REDIS_CLIENT: 'node-redis',
        SHARE_KEY: 'pb:fleet-node-redis',
        POCKETBASE_SHARE_KEY: 'fleet-test-seal-key-0123456789-abcdefgh',
      })
      const reports = await fleet.until(
        (all) => total(all, (report) => report.refreshedTokens.length) >= 1 && sameToken(all),
        'a refreshed token that every worker uses',
      )
      expect(server.passwordSignIns()).toBe(1)
      expect(refreshedTwice(reports)).toEqual([])
      expect(server.refreshes()).toBe(total(reports, (report) => report.refreshedTokens.length))
      expect(failed(reports)).toBe(0)
    },
  )

  it(
    'Redis killed mid-run: no failed call, one error event per worker, one token again after the restart',
    { timeout: 2 * STEP_LIMIT_MS },
    async () => {
      await redis.kill()
      const start = await fleet!.reports()
      const alone = await fleet!.until(
        (all) =>
          all.every(
            (report, i) =>
              report.errorEvents >= 1 && report.refreshedTokens.length > start[i]!.refreshedTokens.length,
          ),
        'every worker refreshed alone',
      )
      await redis.restart()
      const tokensBefore = new Set(alone.flatMap((report) => report.refreshedTokens))
      const rejoined = await fleet!.until(
        (all) => sameToken(all) && !tokensBefore.has(all[0]!.tokenHash!),
        'the fleet on one token again',
      )
      expect(rejoined.map((report) => report.errorEvents)).toEqual(rejoined.map(() => 1))
      expect(server.passwordSignIns()).toBe(1)
      const last = await fleet!.stop()
      expect(failed(last)).toBe(0)
    },
  )
})
