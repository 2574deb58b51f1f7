/**
 * `configureAuth`: an auth collection's sign-in methods and token lifetime, changing only what is given, and
 * returning the settings without any secret.
 * @module
 */
import * as z from 'zod/mini'
import { checkOptions, ifDefined, numberIn, type OptionCheck } from '../kit.js'
import { ConfigError } from '../index.js'
import { parseBody, type Superuser } from './superuser.js'

/** What `configureAuth` may change; every part and every field is optional and only what is given changes. */
export interface ConfigureAuthOptions {
  /** Password sign-in. */
  password?: { enabled?: boolean; identityFields?: string[] }
  /** One-time passwords by mail; `duration` in seconds (10 to 86400), `length` in digits (4 or more). */
  otp?: {
    enabled?: boolean
    duration?: number
    length?: number
    emailTemplate?: { subject?: string; body?: string }
  }
  /** PocketBase's own MFA (two of its methods); `duration` of an MFA session in seconds, `rule` whom it applies to. */
  mfa?: { enabled?: boolean; duration?: number; rule?: string }
  /** OAuth2 on or off, and which provider fields fill which record fields (providers: `upsertOAuth2Provider`). */
  oauth2?: {
    enabled?: boolean
    mappedFields?: { id?: string; name?: string; username?: string; avatarURL?: string }
  }
  /** Lifetime of new auth tokens, in seconds. */
  authToken?: { duration?: number }
}

/** An OAuth2 provider as PocketBase returns it (it never returns the client secret). */
export const providerSchema = z.object({
  name: z.string(),
  displayName: z.optional(z.string()),
  clientId: z.string(),
  authURL: z.optional(z.string()),
  tokenURL: z.optional(z.string()),
  userInfoURL: z.optional(z.string()),
  pkce: z.optional(z.nullable(z.boolean())),
})

/** An OAuth2 provider as the admin helpers return it: never its client secret. */
export type OAuth2ProviderSettings = z.output<typeof providerSchema>

const settingsSchema = z.object({
  passwordAuth: z.object({ enabled: z.boolean(), identityFields: z.array(z.string()) }),
  otp: z.object({
    enabled: z.boolean(),
    duration: z.number(),
    length: z.number(),
    emailTemplate: z.object({ subject: z.string(), body: z.string() }),
  }),
  mfa: z.object({ enabled: z.boolean(), duration: z.number(), rule: z.string() }),
  oauth2: z.object({
    enabled: z.boolean(),
    mappedFields: z.record(z.string(), z.string()),
    providers: z.array(providerSchema),
  }),
  authToken: z.object({ duration: z.number() }),
})

/** An auth collection's sign-in settings, as `configureAuth` returns them: no client secret, no token secret. */
export interface AuthSettings {
  readonly password: { readonly enabled: boolean; readonly identityFields: readonly string[] }
  readonly otp: z.output<typeof settingsSchema>['otp']
  readonly mfa: z.output<typeof settingsSchema>['mfa']
  readonly oauth2: z.output<typeof settingsSchema>['oauth2']
  readonly authToken: { readonly duration: number }
}

const part =
  (checks: Readonly<Record<string, OptionCheck>>): OptionCheck =>
  (value) => {
    if (value === undefined) return undefined
    const issues = checkOptions(value, checks)
    return issues.length === 0
      ? undefined
      : issues.map((issue) => `${issue.path} ${issue.message}`).join(', ')
  }

const bool = ifDefined((value) => (typeof value === 'boolean' ? undefined : 'must be a boolean'))
const text = ifDefined((value) => (typeof value === 'string' ? undefined : 'must be a string'))
const object = ifDefined((value) =>
  typeof value === 'object' && value !== null ? undefined : 'must be an object',
)

const CHECKS: Readonly<Record<keyof ConfigureAuthOptions, OptionCheck>> = {
  password: part({
    enabled: bool,
    identityFields: ifDefined((value) =>
      Array.isArray(value) && value.length > 0 && value.every((field) => typeof field === 'string')
        ? undefined
        : 'must be a non-empty list of field names',
    ),
  }),
  otp: part({
    enabled: bool,
    duration: ifDefined(numberIn(10, 86_400, true)),
    length: ifDefined(numberIn(4, 32, true)),
    emailTemplate: object,
  }),
  mfa: part({ enabled: bool, duration: ifDefined(numberIn(10, 86_400, true)), rule: text }),
  oauth2: part({ enabled: bool, mappedFields: object }),
  authToken: part({ duration: ifDefined(numberIn(10, 94_670_856, true)) }),
}

/**
 * Changes what is given of a collection's auth settings (PocketBase merges each part into what it has).
 *
 * @param superuser - the checked superuser
 * @param collection - the auth collection
 * @param options - see {@link ConfigureAuthOptions}
 * @returns the collection's settings after the change, without secrets
 * @throws {ConfigError} `config_invalid` naming each bad option, before any request.
 * @throws {AuthError} `validation_failed` (PocketBase refused a value, e.g. MFA without a second method),
 * `not_found`, and the transport codes.
 */
export async function configureAuth(
  superuser: Superuser,
  collection: string,
  options: ConfigureAuthOptions,
): Promise<AuthSettings> {
  const issues = checkOptions(options, CHECKS)
  if (typeof collection !== 'string' || collection === '')
    issues.unshift({ path: 'collection', message: 'must be a collection name' })
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to configureAuth')
  const body: Record<string, unknown> = {}
  if (options.password !== undefined) body.passwordAuth = options.password
  for (const key of ['otp', 'mfa', 'oauth2', 'authToken'] as const) {
    if (options[key] !== undefined) body[key] = options[key]
  }
  const path = `/api/collections/${encodeURIComponent(collection)}`
  const response =
    Object.keys(body).length === 0
      ? await superuser.send({ method: 'GET', path })
      : await superuser.send({ method: 'PATCH', path, body })
  const settings = parseBody(settingsSchema, response.body, `${response.exchange.method} ${path}`, response)
  const { passwordAuth, ...rest } = settings
  return { password: passwordAuth, ...rest }
}
