/**
 * `upsertOAuth2Provider`: one OAuth2 provider of an auth collection, its endpoints read from the provider's
 * OpenID discovery document (or given), each endpoint checked to answer before PocketBase is changed.
 * @module
 */
import * as z from 'zod/mini'
import { type ResolvedConfig } from '../kit.js'
import { ConfigError, NetworkError, TimeoutError, ValidationError, type FieldError } from '../index.js'
import { providerSchema, type OAuth2ProviderSettings } from './auth-settings.js'
import { parseBody, type Superuser } from './superuser.js'

/** Options of `upsertOAuth2Provider`. */
export interface OAuth2ProviderOptions {
  /** PocketBase's provider key, e.g. `oidc`, `oidc2`, `google`. */
  name: string
  clientId: string
  /** Sent to PocketBase only; never returned, logged or put in an error. */
  clientSecret: string
  /** The provider's `/.well-known/openid-configuration`: fills `authURL`, `tokenURL`, `userInfoURL`. */
  discoveryUrl?: string
  /** Overrides (or, without `discoveryUrl`, gives) the authorization endpoint. */
  authURL?: string
  /** Overrides (or gives) the token endpoint. */
  tokenURL?: string
  /** Overrides (or gives) the userinfo endpoint. */
  userInfoURL?: string
  /** The name shown to users. @default name */
  displayName?: string
  /** Use PKCE. @default true */
  pkce?: boolean
  /** Also turn OAuth2 on for the collection. @default true */
  enable?: boolean
  /** Cancels the discovery and endpoint checks. */
  signal?: AbortSignal
}

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  userinfo_endpoint: z.url(),
})

const collectionSchema = z.object({
  oauth2: z.object({ providers: z.array(z.looseObject({ name: z.string() })) }),
})

const ENDPOINTS = ['authURL', 'tokenURL', 'userInfoURL'] as const
type Endpoint = (typeof ENDPOINTS)[number]

/**
 * Adds or replaces one provider (matched by `name`); the others keep their settings and secrets.
 *
 * @param superuser - the checked superuser
 * @param collection - the auth collection
 * @param options - see {@link OAuth2ProviderOptions}
 * @returns the provider as PocketBase now has it, without its secret
 * @throws {ConfigError} `config_invalid` for missing or non-http(s) values, before any request.
 * @throws {UnexpectedResponseError} `unexpected_response` when the discovery document lacks a field (named).
 * @throws {ValidationError} `validation_failed` naming each endpoint (`discoveryUrl`, `authURL`, `tokenURL`,
 * `userInfoURL`) that did not answer, answered 404 or 5xx, or an `issuer` that does not match `discoveryUrl`.
 */
export async function upsertOAuth2Provider(
  superuser: Superuser,
  collection: string,
  options: OAuth2ProviderOptions,
): Promise<OAuth2ProviderSettings> {
  checkOptions(collection, options)
  const endpoints = await resolveEndpoints(superuser.config, options)
  await checkEndpoints(superuser.config, endpoints, options.signal)
  const path = `/api/collections/${encodeURIComponent(collection)}`
  const current = await superuser.send({ method: 'GET', path })
  const { providers } = parseBody(collectionSchema, current.body, `GET ${path}`, current).oauth2
  const provider = {
    name: options.name,
    displayName: options.displayName ?? options.name,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    pkce: options.pkce ?? true,
    ...endpoints,
  }
  // In place, so every other provider keeps its position (PocketBase keeps their secrets).
  const index = providers.findIndex((existing) => existing.name === options.name)
  const next = index === -1 ? [...providers, provider] : providers.map((p, i) => (i === index ? provider : p))
  const body = { oauth2: { providers: next, ...(options.enable === false ? {} : { enabled: true }) } }
  const updated = await superuser.send({ method: 'PATCH', path, body })
  const saved = parseBody(
    z.object({ oauth2: z.object({ providers: z.array(providerSchema) }) }),
    updated.body,
    `PATCH ${path}`,
    updated,
  ).oauth2.providers.find((candidate) => candidate.name === options.name)
  if (saved === undefined)
    throw new ValidationError(`PATCH ${path}: the provider "${options.name}" was not saved`, {})
  return saved
}

function checkOptions(collection: string, options: OAuth2ProviderOptions): void {
  const issues: { path: string; message: string }[] = []
  const text = (path: string, value: unknown): void => {
    if (typeof value !== 'string' || value.trim() === '')
      issues.push({ path, message: 'must be a non-empty string' })
  }
  text('collection', collection)
  text('options.name', options?.name)
  text('options.clientId', options?.clientId)
  text('options.clientSecret', options?.clientSecret)
  for (const field of ['discoveryUrl', ...ENDPOINTS] as const) {
    const value = options?.[field]
    if (value !== undefined && !isHttpUrl(value))
      issues.push({ path: `options.${field}`, message: 'must be an http(s) URL' })
  }
  if (options?.discoveryUrl === undefined && ENDPOINTS.some((field) => options?.[field] === undefined)) {
    issues.push({
      path: 'options.discoveryUrl',
      message: 'is required unless authURL, tokenURL and userInfoURL are all given',
    })
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to upsertOAuth2Provider')
}

async function resolveEndpoints(
  config: ResolvedConfig,
  options: OAuth2ProviderOptions,
): Promise<Record<Endpoint, string>> {
  const given = { authURL: options.authURL, tokenURL: options.tokenURL, userInfoURL: options.userInfoURL }
  if (options.discoveryUrl === undefined) return given as Record<Endpoint, string>
  const where = `GET ${display(options.discoveryUrl)}`
  const response = await send(config, options.discoveryUrl, 'GET', options.signal, 'discoveryUrl')
  if (response.status !== 200) {
    throw unavailable({ discoveryUrl: `${where} answered ${response.status}` })
  }
  let json: unknown
  try {
    json = await response.json()
  } catch {
    json = undefined
  }
  const document = parseBody(discoverySchema, json, `${where} (OpenID discovery document)`)
  const expected = `${document.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
  if (expected !== options.discoveryUrl.replace(/\/+$/, '')) {
    throw unavailable({
      discoveryUrl: `the document's issuer does not match ${display(options.discoveryUrl)}`,
    })
  }
  return {
    authURL: given.authURL ?? document.authorization_endpoint,
    tokenURL: given.tokenURL ?? document.token_endpoint,
    userInfoURL: given.userInfoURL ?? document.userinfo_endpoint,
  }
}

/** Each endpoint must answer (any status but 404 and 5xx: without a client's credentials, 4xx is an answer). */
async function checkEndpoints(
  config: ResolvedConfig,
  endpoints: Record<Endpoint, string>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const problems: Record<string, string> = {}
  for (const field of ENDPOINTS) {
    const method = field === 'tokenURL' ? 'POST' : 'GET'
    try {
      const response = await send(config, endpoints[field], method, signal, field)
      await response.body?.cancel()
      if (response.status === 404 || response.status >= 500) {
        problems[field] = `${method} ${display(endpoints[field])} answered ${response.status}`
      }
    } catch (error) {
      if (!(error instanceof NetworkError || error instanceof TimeoutError)) throw error
      problems[field] = error.message
    }
  }
  if (Object.keys(problems).length > 0) throw unavailable(problems)
}

async function send(
  config: ResolvedConfig,
  url: string,
  method: 'GET' | 'POST',
  signal: AbortSignal | undefined,
  field: string,
): Promise<Response> {
  const timeout = AbortSignal.timeout(config.timeoutMs)
  const where = `${method} ${display(url)}`
  try {
    return await (config.fetch ?? globalThis.fetch)(url, {
      method,
      redirect: 'manual',
      headers:
        method === 'POST'
          ? { 'content-type': 'application/x-www-form-urlencoded' }
          : { accept: 'application/json' },
      ...(method === 'POST' ? { body: 'grant_type=authorization_code' } : {}),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    })
  } catch (error) {
    if (timeout.aborted)
      throw new TimeoutError(
        `upsertOAuth2Provider (${field}): ${where} did not answer within ${config.timeoutMs} ms`,
      )
    throw new NetworkError(`upsertOAuth2Provider (${field}): ${where} did not answer`, { cause: error })
  }
}

function unavailable(problems: Readonly<Record<string, string>>): ValidationError {
  const fieldErrors: Record<string, FieldError> = {}
  for (const [field, message] of Object.entries(problems))
    fieldErrors[field] = { code: 'endpoint_unavailable', message }
  return new ValidationError(
    `upsertOAuth2Provider: ${Object.entries(problems)
      .map(([field, message]) => `${field}: ${message}`)
      .join('; ')}`,
    fieldErrors,
  )
}

/** A URL without its query or fragment, for messages. */
function display(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
