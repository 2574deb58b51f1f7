import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'dotenv'
import * as z from 'zod/mini'
import { ConfigError, type ConfigIssue } from '../index.js'
import { baseUrlProblem, MAX_TIMER_DELAY_MS } from '../kit.js'
import { LOG_LEVELS, type LogLevel } from './console-logger.js'

/** Every environment variable `loadEnv` reads. */
export const ENV_VARIABLES = [
  'POCKETBASE_URL',
  'POCKETBASE_AUTH_COLLECTION',
  'POCKETBASE_SUPERUSER_EMAIL',
  'POCKETBASE_SUPERUSER_PASSWORD',
  'POCKETBASE_TIMEOUT_MS',
  'POCKETBASE_REFRESH_SKEW_SECONDS',
  'POCKETBASE_LOG_LEVEL',
  'POCKETBASE_TOTP_GATE',
] as const

/**
 * Options of `loadEnv`: where the variables come from.
 *
 * - Neither: `process.env`, plus `./.env` of the working directory when it exists.
 * - `env` only: that map alone; no file is read.
 * - `path` (with or without `env`): the variables (`env`, else `process.env`) plus that file, which must exist.
 *
 * The variables win over the file, one by one. Superuser credentials from the variables are only ever sent to a
 * `POCKETBASE_URL` from the variables too: a file never redirects them to its own URL.
 */
export interface LoadEnvOptions {
  /**
   * The dotenv file to read; it must exist. @default '.env' in the working directory, read only when it
   * exists and `env` is not given
   */
  path?: string
  /** Variables to use instead of `process.env`; used alone unless `path` is given, and they win over the file. @default process.env */
  env?: Readonly<Record<string, string | undefined>>
}

/** Superuser credentials from the environment. `password` is non-enumerable: logging the object omits it. */
export interface SuperuserCredentials {
  readonly email: string
  readonly password: string
}

/** Typed configuration from the environment. */
export interface PocketBaseEnv {
  /** `POCKETBASE_URL` */
  readonly url: string
  /**
   * `POCKETBASE_AUTH_COLLECTION`, or `undefined` when unset (`createAuthClientFromEnv` then uses `_superusers` with
   * superuser variables, else `users`).
   */
  readonly collection: string | undefined
  /** `POCKETBASE_SUPERUSER_EMAIL` + `POCKETBASE_SUPERUSER_PASSWORD`, when both are set. */
  readonly superuser: SuperuserCredentials | undefined
  /** `POCKETBASE_TIMEOUT_MS` */
  readonly timeoutMs: number | undefined
  /** `POCKETBASE_REFRESH_SKEW_SECONDS` */
  readonly refreshSkewSeconds: number | undefined
  /** `POCKETBASE_LOG_LEVEL` (default `silent`). */
  readonly logLevel: LogLevel
  /**
   * `POCKETBASE_TOTP_GATE`: the secret of a TOTP `authRule` gate (see `pocketbase-auth/totp`), or `undefined`.
   * Non-enumerable: logging the object omits it.
   */
  readonly gateSecret: string | undefined
}

const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value
const optionalText = z.optional(z.pipe(z.transform(blankToUndefined), z.optional(z.string())))
const wholeNumber = (min: number, max: number) =>
  z.optional(
    z.pipe(
      z.transform(blankToUndefined),
      z.optional(
        z.pipe(
          z.string().check(z.regex(/^\d+$/, `must be a whole number, ${min} or more`)),
          z.pipe(
            z.transform(Number),
            z.number().check(z.gte(min, `must be ${min} or more`), z.lte(max, `must be ${max} or less`)),
          ),
        ),
      ),
    ),
  )

const envSchema = z.object({
  POCKETBASE_URL: z.string().check(
    z.superRefine((value, context) => {
      const problem = baseUrlProblem(value)
      if (problem === undefined) return
      // The message names the rule, never the value (it may hold a password).
      context.addIssue({
        code: 'custom',
        message: problem.startsWith('must be') ? `${problem}, e.g. http://127.0.0.1:8090` : problem,
      })
    }),
  ),
  POCKETBASE_AUTH_COLLECTION: optionalText,
  POCKETBASE_SUPERUSER_EMAIL: z.optional(
    z.pipe(
      z.transform(blankToUndefined),
      z.optional(z.string().check(z.regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address'))),
    ),
  ),
  POCKETBASE_SUPERUSER_PASSWORD: optionalText,
  POCKETBASE_TIMEOUT_MS: wholeNumber(1, MAX_TIMER_DELAY_MS),
  POCKETBASE_REFRESH_SKEW_SECONDS: wholeNumber(0, Math.floor(MAX_TIMER_DELAY_MS / 1000)),
  POCKETBASE_LOG_LEVEL: z.optional(
    z.pipe(
      z.transform(blankToUndefined),
      z.optional(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
    ),
  ),
  POCKETBASE_TOTP_GATE: z.optional(
    z.pipe(
      z.transform(blankToUndefined),
      z.optional(
        z.string().check(z.regex(/^[\w-]{32,}$/, 'must be at least 32 characters of A-Z, a-z, 0-9, _ and -')),
      ),
    ),
  ),
})

/**
 * The superuser pair is checked on the raw values, outside zod: an object-level zod refinement is skipped
 * when any single variable is invalid, and one `ConfigError` must name every bad variable.
 */
function superuserPairIssues(values: Readonly<Record<string, string>>): ConfigIssue[] {
  const isSet = (name: string): boolean => (values[name] ?? '').trim() !== ''
  const hasEmail = isSet('POCKETBASE_SUPERUSER_EMAIL')
  if (hasEmail === isSet('POCKETBASE_SUPERUSER_PASSWORD')) return []
  return [
    {
      path: hasEmail ? 'POCKETBASE_SUPERUSER_PASSWORD' : 'POCKETBASE_SUPERUSER_EMAIL',
      message: 'set both POCKETBASE_SUPERUSER_EMAIL and POCKETBASE_SUPERUSER_PASSWORD, or neither',
    },
  ]
}

/** Turns zod issues into `ConfigIssue`s that name the variable and never echo its value. */
function toConfigIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'environment'
    if (issue.code === 'invalid_type') {
      return { path, message: issue.input === undefined ? 'is required' : `must be ${issue.expected}` }
    }
    return { path, message: issue.message }
  })
}

/**
 * Reads configuration from the environment and a dotenv file (see {@link LoadEnvOptions} for which file; the
 * environment wins). Values are checked by zod; one `ConfigError` names every bad variable and never echoes a
 * value. Superuser credentials from the environment need `POCKETBASE_URL` from the environment too, so a
 * checkout's `.env` cannot send them to its own server.
 *
 * @param options - see {@link LoadEnvOptions}
 * @returns the checked values: `url` without trailing slashes; unset optional variables are `undefined`,
 * except `logLevel` (`silent`)
 * @throws {ConfigError} `config_invalid`, also when superuser credentials come from the environment and
 * `POCKETBASE_URL` only from the file
 * @example
 * ```ts
 * const env = loadEnv() // process.env, plus ./.env when present
 * console.log(env.url, env.superuser?.email)
 * const fromMap = loadEnv({ env: { POCKETBASE_URL: 'http://127.0.0.1:8090' } }) // that map alone
 * ```
 */
export function loadEnv(options: LoadEnvOptions = {}): PocketBaseEnv {
  const file = readDotenvFile(options)
  const environment = pick(options.env ?? process.env)
  const values = { ...file.values, ...environment }
  const parsed = envSchema.safeParse(values)
  const variableIssues = parsed.success ? [] : toConfigIssues(parsed.error.issues)
  const issues = [
    ...file.issues,
    ...variableIssues,
    ...superuserPairIssues(values),
    ...credentialOriginIssues(environment, variableIssues),
  ]
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues, 'Invalid environment')
  const env = parsed.data
  const email = env.POCKETBASE_SUPERUSER_EMAIL
  const password = env.POCKETBASE_SUPERUSER_PASSWORD
  const result: Omit<PocketBaseEnv, 'gateSecret'> = {
    url: env.POCKETBASE_URL.replace(/\/+$/, ''),
    collection: env.POCKETBASE_AUTH_COLLECTION,
    superuser:
      email === undefined || password === undefined ? undefined : superuserCredentials(email, password),
    timeoutMs: env.POCKETBASE_TIMEOUT_MS,
    refreshSkewSeconds: env.POCKETBASE_REFRESH_SKEW_SECONDS,
    logLevel: env.POCKETBASE_LOG_LEVEL ?? 'silent',
  }
  // The gate secret is a secret: kept off JSON.stringify and console.log of the result.
  Object.defineProperty(result, 'gateSecret', { value: env.POCKETBASE_TOTP_GATE, enumerable: false })
  return result as PocketBaseEnv
}

/**
 * Superuser credentials from the environment go only to a URL from the environment: otherwise a `.env` in a
 * checkout that sets only `POCKETBASE_URL` would receive the password of whoever runs it. Reported once, on
 * `POCKETBASE_URL`, unless that variable is already reported as invalid.
 */
function credentialOriginIssues(
  environment: Readonly<Record<string, string>>,
  variableIssues: readonly ConfigIssue[],
): ConfigIssue[] {
  const isSet = (name: string): boolean => (environment[name] ?? '').trim() !== ''
  const credentialsFromEnvironment =
    isSet('POCKETBASE_SUPERUSER_EMAIL') || isSet('POCKETBASE_SUPERUSER_PASSWORD')
  if (!credentialsFromEnvironment || 'POCKETBASE_URL' in environment) return []
  if (variableIssues.some((issue) => issue.path === 'POCKETBASE_URL')) return []
  return [
    {
      path: 'POCKETBASE_URL',
      message:
        'must be set in the environment too, because the superuser credentials come from the environment: ' +
        'a dotenv file may not send them to its own server',
    },
  ]
}

function superuserCredentials(email: string, password: string): SuperuserCredentials {
  const credentials = { email } as { email: string; password: string }
  Object.defineProperty(credentials, 'password', { value: password, enumerable: false })
  return Object.freeze(credentials)
}

function pick(source: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const name of ENV_VARIABLES) {
    const value = source[name]
    if (value !== undefined) result[name] = value
  }
  return result
}

/**
 * Reads the dotenv file: `options.path` (which must exist), else `./.env` when it exists and no `env` map was
 * given. A missing explicit file is an issue reported with the variables' issues.
 */
function readDotenvFile(options: LoadEnvOptions): { values: Record<string, string>; issues: ConfigIssue[] } {
  if (options.path === undefined && options.env !== undefined) return { values: {}, issues: [] }
  const file = resolve(options.path ?? '.env')
  if (existsSync(file)) return { values: pick(parse(readFileSync(file))), issues: [] }
  if (options.path === undefined) return { values: {}, issues: [] }
  return { values: {}, issues: [{ path: 'path', message: `dotenv file not found: ${file}` }] }
}
