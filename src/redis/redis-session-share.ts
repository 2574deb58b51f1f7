import { createHash, randomBytes } from 'node:crypto'
import { ConfigError, type AuthSession, type SessionShare } from '../index.js'
import { checkOptions, ifDefined, numberIn, type OptionCheck } from '../kit.js'
import { redisClientKind, redisConnection, type RedisClientLike } from './connection.js'
import { createSealer, MIN_SEAL_KEY_BYTES, sealKeyBytes } from './seal.js'
import { createWatchers } from './watchers.js'

/** Options of {@link createRedisSessionShare}. */
export interface RedisSessionShareOptions {
  /**
   * Prefix of every Redis key and channel the share uses, e.g. `pb:worker`. Use one per identity: processes
   * with the same `key` share one session per PocketBase URL and collection. Required.
   */
  key: string
  /**
   * The secret that seals the session before it reaches Redis: a string (UTF-8) or bytes, at least 32 bytes.
   * For a rotation, a list: the first seals, every one unseals (`[newKey, oldKey]`, then `[newKey]`).
   * @default process.env.POCKETBASE_SHARE_KEY
   */
  sealKey?: string | Uint8Array | readonly (string | Uint8Array)[] | undefined
  /** Time limit of every Redis command, waiting for a connection included, in ms. @default 1000 */
  timeoutMs?: number
}

/** Every default of {@link createRedisSessionShare}. */
const DEFAULTS = Object.freeze({ timeoutMs: 1_000, sealKeyVariable: 'POCKETBASE_SHARE_KEY' })

/** Stores the session only while the holder's lock is still its own; then notifies the fleet. */
const PUBLISH_SCRIPT = `
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], '1')
return 1`

/** Deletes the lock only if it still holds this taker's value (a lock that expired may be another's now). */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`

const OPTION_CHECKS: Readonly<Record<keyof RedisSessionShareOptions, OptionCheck>> = {
  key: (value) =>
    typeof value === 'string' && /^[^\s{}]{1,200}$/.test(value)
      ? undefined
      : 'must be 1 to 200 characters without spaces or braces',
  // Checked with the environment variable in `sealKeys`.
  sealKey: () => undefined,
  timeoutMs: ifDefined(numberIn(1, 60_000, true)),
}

/**
 * A `SessionShare` over Redis for `createAuthClient({ share })`: the processes of a fleet that use the same `key`
 * and identity sign in once, refresh once and re-sign-in once for all. The session is sealed (JWE `dir` +
 * `A256GCM`, key derived from `sealKey`) before it reaches Redis; the lock is `SET NX PX` released by
 * compare-and-delete; publications are announced on a channel that a duplicate connection subscribes to.
 * Takes an `ioredis` 5 or `redis` 5 client (connected, with an `error` listener, as those clients want) and
 * imports neither package. Every command is bounded by `timeoutMs`; an unreachable Redis makes the share's
 * methods reject with a `network` error naming the Redis host and port, and the client then goes on alone.
 *
 * @param redis - an `ioredis` 5 client, or a connected `redis` 5 (node-redis) client
 * @param options - see {@link RedisSessionShareOptions}
 * @returns the share
 * @throws {ConfigError} `config_invalid` naming `redis` (not such a client), `key`, `sealKey` (missing, or
 * fewer than 32 bytes; also from `POCKETBASE_SHARE_KEY`) or `timeoutMs`; never quoting a value.
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * import { createAuthClient } from 'pocketbase-auth'
 * import { createRedisSessionShare } from 'pocketbase-auth/redis'
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
 * redis.on('error', (error) => console.error('redis', error.message))
 * const share = createRedisSessionShare(redis, { key: 'pb:worker', sealKey: process.env.POCKETBASE_SHARE_KEY })
 * const worker = createAuthClient({
 *   url: 'http://127.0.0.1:8090',
 *   collection: '_superusers',
 *   credentials: () => ({ identity: 'worker@example.com', password: process.env.WORKER_PASSWORD ?? '' }),
 *   share,
 * })
 * ```
 */
export function createRedisSessionShare(
  redis: RedisClientLike,
  options: RedisSessionShareOptions,
): SessionShare {
  const issues = checkOptions(options, OPTION_CHECKS)
  if (redisClientKind(redis) === undefined) {
    issues.unshift({ path: 'redis', message: 'must be an ioredis 5 or redis 5 client' })
  }
  const secrets = sealKeys(options, issues)
  if (issues.length > 0) throw new ConfigError(issues, 'createRedisSessionShare')
  const connection = redisConnection(redis, options.timeoutMs ?? DEFAULTS.timeoutMs)
  const sealer = createSealer(secrets)
  const watchers = createWatchers(connection)
  /** The value each lock was taken with, by its release function: a publication is fenced by its own lock. */
  const lockValues = new WeakMap<() => Promise<void>, string>()
  const names = (scope: string) => {
    // The key is bound in too: a session copied from another key's entry is sealed for another id and never loads.
    const id = createHash('sha256').update(`${options.key}\u0000${scope}`).digest('base64url').slice(0, 22)
    // One hash tag: the session and its lock live in one slot of a Redis Cluster.
    const base = `${options.key}:{${id}}`
    return { id, session: `${base}:session`, lock: `${base}:lock`, channel: `${base}:published` }
  }

  return {
    async load(scope) {
      const { id, session } = names(scope)
      const stored = await connection.send(['GET', session])
      return typeof stored === 'string' ? sealer.unseal(stored, id) : null
    },
    async lock(scope, ttlMs) {
      const { lock } = names(scope)
      const value = randomBytes(18).toString('base64url')
      const release = (): Promise<void> =>
        connection.send(['EVAL', RELEASE_SCRIPT, '1', lock, value]).then(() => undefined)
      const ttl = String(Math.max(1, Math.ceil(ttlMs)))
      // A lock taken after this call gave up (a slow Redis) is given back at once, not left to expire.
      const reply = await connection.send(['SET', lock, value, 'NX', 'PX', ttl], (late) => {
        if (late === 'OK') void release().catch(() => undefined)
      })
      if (reply !== 'OK') return null
      lockValues.set(release, value)
      return release
    },
    async publish(scope, session: AuthSession, heldLock?: () => Promise<void>) {
      const ttlMs = Math.ceil(session.expiresAt - Date.now())
      if (ttlMs <= 0) return // expired: nothing worth sharing
      const value = heldLock === undefined ? '' : lockValues.get(heldLock)
      if (value === undefined) return // not a lock of this share: nothing this caller may overwrite
      const { id, session: sessionKey, lock, channel } = names(scope)
      const sealed = await sealer.seal(session, id)
      const args = [sealed, String(ttlMs), channel, value]
      await connection.send(['EVAL', PUBLISH_SCRIPT, '2', sessionKey, lock, ...args])
    },
    watch(scope, listener) {
      return watchers.watch(names(scope).channel, listener)
    },
  }
}

/** The seal keys from the option, else from `POCKETBASE_SHARE_KEY`; issues go into `issues`, never values. */
function sealKeys(options: unknown, issues: { path: string; message: string }[]): Uint8Array[] {
  const given = (options as { sealKey?: unknown } | null)?.sealKey
  const value = given ?? process.env[DEFAULTS.sealKeyVariable]
  const need = `at least ${MIN_SEAL_KEY_BYTES} bytes (a string or a Uint8Array)`
  if (value === undefined || value === '') {
    issues.push({ path: 'sealKey', message: `is required: pass it, or set ${DEFAULTS.sealKeyVariable}` })
    return []
  }
  const list: readonly unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0) issues.push({ path: 'sealKey', message: 'must hold at least one key' })
  const keys: Uint8Array[] = []
  list.forEach((entry, index) => {
    const bytes = sealKeyBytes(entry)
    const path = Array.isArray(value)
      ? `sealKey[${index}]`
      : given === undefined
        ? DEFAULTS.sealKeyVariable
        : 'sealKey'
    if (bytes === undefined || bytes.byteLength < MIN_SEAL_KEY_BYTES)
      issues.push({ path, message: `must be ${need}` })
    else keys.push(bytes)
  })
  return keys
}
