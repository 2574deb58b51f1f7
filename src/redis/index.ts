/**
 * `pocketbase-auth/redis`: one session shared by a fleet of processes over Redis (`createRedisSessionShare`,
 * passed to `createAuthClient({ share })`). Works with an `ioredis` 5 or `redis` 5 client the app creates; this
 * entry imports neither.
 * @module
 */
export { createRedisSessionShare } from './redis-session-share.js'
export type { RedisSessionShareOptions } from './redis-session-share.js'
export type { RedisClientLike } from './connection.js'
