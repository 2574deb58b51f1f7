/**
 * Superuser requests for the admin and TOTP entries: every request carries the superuser client's token through
 * its token keeper (one rejected-token path), and every answer is checked with a zod schema whose failures name
 * the field, never its value.
 * @module
 */
import type * as z from 'zod/mini'
import { clientConfig, pocketBaseRequest, tokenKeeperOf } from '../kit.js'
import type { PocketBaseRequest, PocketBaseResponse, ResolvedConfig } from '../kit.js'
import { ConfigError, UnexpectedResponseError, type AuthClient } from '../index.js'

/** Sends one request as the superuser. */
export type SuperuserSend = (request: Omit<PocketBaseRequest, 'token'>) => Promise<PocketBaseResponse>

/** A superuser client, checked, with its config and a way to send requests as it. */
export interface Superuser {
  readonly config: ResolvedConfig
  readonly send: SuperuserSend
}

/**
 * Checks that `auth` is a `_superusers` client and wraps it.
 *
 * @param auth - the client to act as
 * @param caller - the public function, for the error message
 * @returns its config and a `send` that adds its token (refreshed, or signed in again through `credentials`)
 * @throws {ConfigError} `config_invalid` (path `superuser`) when `auth` is not a client of `_superusers`.
 */
export function asSuperuser(auth: AuthClient, caller: string): Superuser {
  let config: ResolvedConfig
  try {
    config = clientConfig(auth, caller)
  } catch {
    throw new ConfigError(
      [{ path: 'superuser', message: 'must be a client from createAuthClient()' }],
      `Invalid arguments to ${caller}`,
    )
  }
  if (config.collection !== '_superusers') {
    throw new ConfigError(
      [{ path: 'superuser', message: 'must be a client of the _superusers collection' }],
      `Invalid arguments to ${caller}`,
    )
  }
  const keeper = tokenKeeperOf(auth, caller)
  return {
    config,
    send: (request) => keeper.withToken((token) => pocketBaseRequest(config, { ...request, token })),
  }
}

/**
 * Checks an untrusted body with a schema.
 *
 * @param schema - the expected shape; unknown keys are dropped
 * @param body - the parsed response body
 * @param where - e.g. `GET /api/settings`, for the message
 * @param response - the response, for the error's status and exchange
 * @returns the typed value
 * @throws {UnexpectedResponseError} `unexpected_response` listing every failing field by path (never a value).
 */
export function parseBody<S extends z.ZodMiniType>(
  schema: S,
  body: unknown,
  where: string,
  response?: Pick<PocketBaseResponse, 'status' | 'exchange'>,
): z.output<S> {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const fields = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(body)'
    const expected = 'expected' in issue ? `expected ${String(issue.expected)}` : issue.code
    return `${path}: ${expected}`
  })
  throw new UnexpectedResponseError(
    `${where}: the response does not have the expected shape (${fields.join('; ')})`,
    response === undefined ? {} : { status: response.status, exchange: response.exchange },
  )
}
