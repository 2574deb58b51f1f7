/**
 * A tiny superuser-authenticated JSON client for a PocketBase base URL (no SDK).
 * @module
 */
import { delay } from './process.js'

/** HTTP methods the PocketBase API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** A non-2xx answer of a harness request; `body` is the parsed JSON (or the raw text). */
export class PocketBaseApiError extends Error {
  override readonly name = 'PocketBaseApiError'
  readonly status: number
  readonly body: unknown

  constructor(method: string, apiPath: string, status: number, body: unknown, text: string) {
    super(`${method} ${apiPath} answered ${status}: ${text.slice(0, 1000)}`)
    this.status = status
    this.body = body
  }
}

/** The superuser client behind a PocketBase handle's `superuserToken()` and `api()`. */
export interface SuperuserApi {
  /** A superuser token from `auth-with-password`, cached; a 429 is retried for up to 10 s. */
  token(): Promise<string>
  /**
   * Send a JSON request with the superuser token; on 401 the token is fetched again once.
   * @throws PocketBaseApiError on a non-2xx answer.
   */
  request<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T>
}

/**
 * Create a superuser client for the server at `baseURL`.
 * @param credentials - the superuser's email and password.
 */
export function superuserApi(
  baseURL: string,
  credentials: { email: string; password: string },
): SuperuserApi {
  let cached: Promise<string> | undefined

  async function authenticate(): Promise<string> {
    const authPath = '/api/collections/_superusers/auth-with-password'
    const deadline = Date.now() + 10_000
    for (;;) {
      const response = await send('POST', authPath, undefined, {
        identity: credentials.email,
        password: credentials.password,
      })
      // Rate limits (when a test enables them) count superuser logins too.
      if (response.status === 429 && Date.now() < deadline) {
        await delay(250)
        continue
      }
      const body = await parse('POST', authPath, response)
      if (typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string') {
        return body.token
      }
      throw new Error(`${authPath} answered without a token`)
    }
  }

  function token(): Promise<string> {
    cached ??= authenticate().catch((error: unknown) => {
      cached = undefined
      throw error
    })
    return cached
  }

  async function request<T = unknown>(method: HttpMethod, apiPath: string, body?: unknown): Promise<T> {
    const first = await token()
    let response = await send(method, apiPath, first, body)
    if (response.status === 401) {
      await response.body?.cancel()
      if (cached !== undefined && (await cached) === first) cached = undefined
      response = await send(method, apiPath, await token(), body)
    }
    return (await parse(method, apiPath, response)) as T
  }

  function send(method: HttpMethod, apiPath: string, auth: string | undefined, body: unknown) {
    const headers: Record<string, string> = {}
    if (auth !== undefined) headers['Authorization'] = auth
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    return fetch(baseURL + apiPath, {
      method,
      headers,
      body: body === undefined ? null : JSON.stringify(body),
    })
  }

  return { token, request }
}

async function parse(method: string, apiPath: string, response: Response): Promise<unknown> {
  const text = await response.text()
  let body: unknown = text === '' ? undefined : text
  try {
    if (text !== '') body = JSON.parse(text)
  } catch (error) {
    if (response.ok) throw new Error(`${method} ${apiPath} answered invalid JSON`, { cause: error })
  }
  if (!response.ok) throw new PocketBaseApiError(method, apiPath, response.status, body, text)
  return body
}
