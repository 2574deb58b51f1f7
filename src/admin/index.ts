/**
 * `pocketbase-auth/admin`: superuser helpers. Here: a pool of impersonated children for a job that acts for many
 * users (`createImpersonationPool`).
 * @module
 */
export { createImpersonationPool } from './impersonation-pool.js'
export type { ImpersonationPool, ImpersonationPoolOptions } from './impersonation-pool.js'
