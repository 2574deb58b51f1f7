/**
 * A superuser-authenticated JSON client for one PocketBase base URL, on the core's request function, so every
 * failure is an `AuthError` of the SDK's taxonomy.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { RateLimitedError, TokenExpiredError, UnexpectedResponseError } from '../index.js'
import { collectionPath, isNonEmptyString, isObject, pocketBaseRequest, resolveConfig } from '../kit.js'

/** HTTP methods the superuser API client sends. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** The superuser client behind a test PocketBase's `superuserToken()` and `api()`. */
export interface SuperuserApi {
  /** A superuser token from `auth-with-password`, cached; a 429 is retried for up to 10 s. */
  token(): Promise<string>
  /** Send a JSON request with the superuser token; see `PocketBaseHandle.api`. */
  request<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T>
}

/** How long a superuser sign-in answered 429 (a test enabled rate limits) is retried. */
const RATE_LIMIT_RETRY_MS = 10_000

/**
 * Creates a superuser client for the server at `url`.
 *
 * @param url - the PocketBase base URL
 * @param credentials - the superuser's email and password (kept in this closure only)
 * @returns the client
 * @example
 * ```ts
 * const su = superuserApi(pb.url, pb.superuser)
 * const users = await su.request('GET', '/api/collections/users')
 * ```
 */
export function superuserApi(url: string, credentials: { email: string; password: string }): SuperuserApi {
  const config = resolveConfig({ url, autoRefresh: false })
  let cached: Promise<string> | undefined

  async function signIn(): Promise<string> {
    const deadline = Date.now() + RATE_LIMIT_RETRY_MS
    for (;;) {
      try {
        const { body } = await pocketBaseRequest(config, {
          method: 'POST',
          path: collectionPath('_superusers', 'auth-with-password'),
          body: { identity: credentials.email, password: credentials.password },
          endpoint: { kind: 'sign-in', factor: 'password' },
        })
        if (isObject(body) && isNonEmptyString(body['token'])) return body['token']
        throw new UnexpectedResponseError('superuser auth-with-password: the response has no "token"')
      } catch (error) {
        // Rate limits, when a test enables them, count superuser sign-ins too.
        if (!(error instanceof RateLimitedError) || Date.now() > deadline) throw error
        await sleep(250)
      }
    }
  }

  function token(): Promise<string> {
    cached ??= signIn().catch((error: unknown) => {
      cached = undefined
      throw error
    })
    return cached
  }

  async function send(method: HttpMethod, apiPath: string, body: unknown, auth: string): Promise<unknown> {
    // The query goes in `query`, so an error message names the path without it.
    const mark = apiPath.indexOf('?')
    const pathOnly = mark === -1 ? apiPath : apiPath.slice(0, mark)
    const query = mark === -1 ? {} : Object.fromEntries(new URLSearchParams(apiPath.slice(mark + 1)))
    const response = await pocketBaseRequest(config, { method, path: pathOnly, query, body, token: auth })
    return response.body
  }

  async function request<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T> {
    const first = await token()
    try {
      return (await send(method, apiPath, body, first)) as T
    } catch (error) {
      // The superuser token was invalidated (a test rotated secrets): sign in again once.
      if (!(error instanceof TokenExpiredError)) throw error
      if (cached !== undefined && (await cached.catch(() => undefined)) === first) cached = undefined
      return (await send(method, apiPath, body, await token())) as T
    }
  }

  return { token, request }
}
