import { ConfigError, createAuthClient, type AuthClient, type AuthClientOptions } from '../index.js'
import { createConsoleLogger } from './console-logger.js'
import { loadEnv, type LoadEnvOptions } from './env.js'

/** Options of `createAuthClientFromEnv`: where to read the environment, plus client options that win over it. */
export type CreateAuthClientFromEnvOptions = LoadEnvOptions & Partial<AuthClientOptions>

/**
 * Creates an `AuthClient` from `loadEnv()`. With `POCKETBASE_SUPERUSER_EMAIL`/`_PASSWORD` set, it is a
 * `_superusers` client whose `credentials` re-read the environment on each unattended sign-in, so no
 * password is kept in the client; `getToken()` then signs in by itself. The sources are those of `loadEnv`:
 * an explicit `env` map is used alone, and credentials from the environment need `POCKETBASE_URL` from there too.
 *
 * @param options - see {@link CreateAuthClientFromEnvOptions}
 * @returns a new client; with superuser variables, one on `_superusers` (unless the collection is set)
 * @throws {ConfigError} `config_invalid`, as `loadEnv` throws it
 * @example
 * ```ts
 * const admin = createAuthClientFromEnv()
 * const token = await admin.getToken() // signs in as the superuser from .env
 * ```
 */
export function createAuthClientFromEnv(options: CreateAuthClientFromEnvOptions = {}): AuthClient {
  const { path, env: envSource, ...overrides } = options
  const loadOptions: LoadEnvOptions = {
    ...(path === undefined ? {} : { path }),
    ...(envSource === undefined ? {} : { env: envSource }),
  }
  const env = loadEnv(loadOptions)
  const base: AuthClientOptions = {
    url: env.url,
    logger: createConsoleLogger(env.logLevel),
    ...(env.timeoutMs === undefined ? {} : { timeoutMs: env.timeoutMs }),
    ...(env.refreshSkewSeconds === undefined ? {} : { refreshSkewSeconds: env.refreshSkewSeconds }),
    ...(env.gateSecret === undefined ? {} : { gateSecret: env.gateSecret }),
  }
  if (env.superuser !== undefined) {
    base.collection = env.collection ?? '_superusers'
    base.credentials = () => {
      const superuser = loadEnv(loadOptions).superuser
      if (superuser === undefined) {
        throw new ConfigError(
          [{ path: 'POCKETBASE_SUPERUSER_EMAIL', message: 'is no longer set' }],
          'Invalid environment',
        )
      }
      return { identity: superuser.email, password: superuser.password }
    }
  } else if (env.collection !== undefined) {
    base.collection = env.collection
  }
  return createAuthClient({ ...base, ...overrides })
}
