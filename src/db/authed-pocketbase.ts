import PocketBase, { type BaseAuthStore, type SendOptions } from 'pocketbase'
import type { AuthClient } from '../client.js'
import { isAuthError } from '../errors/auth-error.js'
import { AbortedError } from '../errors/transport.js'
import { fromPocketBaseError } from './pocketbase-errors.js'

/** What the adapter needs from an `AuthClient`. */
export interface TokenSource {
  getToken(): Promise<string>
  authRefresh(): Promise<unknown>
  readonly session: AuthClient['session']
}

/** Connection settings the adapter copies from the client. */
export interface AuthedPocketBaseSettings {
  readonly url: string
  readonly timeoutMs: number
  readonly fetch: typeof globalThis.fetch | undefined
}

let MemoryAuthStore: (new () => BaseAuthStore) | undefined

/**
 * A plain in-memory `BaseAuthStore`. The `pocketbase` CommonJS build exports only its client class, so the base
 * store class is reached through the default store's prototype chain (once per process).
 */
function createMemoryAuthStore(url: string): BaseAuthStore {
  if (MemoryAuthStore === undefined) {
    const probe = new PocketBase(url).authStore
    MemoryAuthStore = Object.getPrototypeOf(Object.getPrototypeOf(probe))
      .constructor as new () => BaseAuthStore
  }
  return new MemoryAuthStore()
}

/**
 * A `PocketBase` client we own (a subclass, no `beforeSend` patching) whose every request carries a token
 * from the `AuthClient`, with a per-request timeout; a 401 leads to one refresh and one retry, and every
 * failure becomes an `AuthError`. Auto-cancellation is off.
 */
export class AuthedPocketBase extends PocketBase {
  readonly #auth: TokenSource
  readonly #settings: AuthedPocketBaseSettings

  constructor(auth: TokenSource, settings: AuthedPocketBaseSettings) {
    super(settings.url, createMemoryAuthStore(settings.url))
    this.#auth = auth
    this.#settings = settings
    this.autoCancellation(false)
  }

  /** Sends one request with a fresh token; see the class description. */
  override async send<T>(path: string, options: SendOptions): Promise<T> {
    if (options.signal?.aborted === true) {
      throw new AbortedError(`${(options.method ?? 'GET').toUpperCase()} ${path}: aborted by the caller`)
    }
    const token = await this.#auth.getToken()
    try {
      return await this.#sendOnce<T>(path, options, token)
    } catch (error) {
      if (!isAuthError(error) || error.code !== 'token_expired') throw error
      const session = this.#auth.session
      if (session === null) throw error
      // Only the first caller rejected with this token refreshes; the others retry with the token it got.
      if (session.token === token) {
        if (!session.refreshable) throw error
        await this.#auth.authRefresh().catch((refreshError: unknown) => {
          if (!isAuthError(refreshError) || refreshError.code !== 'aborted') throw refreshError
        })
      }
      return this.#sendOnce<T>(path, options, await this.#auth.getToken())
    }
  }

  async #sendOnce<T>(path: string, options: SendOptions, token: string): Promise<T> {
    const method = (options.method ?? 'GET').toUpperCase()
    const callerSignal = options.signal ?? undefined
    const controller = new AbortController()
    const state = { timedOut: false, callerAborted: false, timeoutMs: this.#settings.timeoutMs }
    const timer = setTimeout(() => {
      state.timedOut = true
      controller.abort()
    }, this.#settings.timeoutMs)
    const onAbort = (): void => {
      state.callerAborted = true
      controller.abort()
    }
    if (callerSignal?.aborted === true) onAbort()
    callerSignal?.addEventListener('abort', onAbort, { once: true })
    const fetchImpl = this.#settings.fetch ?? globalThis.fetch
    try {
      return await super.send<T>(path, {
        ...options,
        headers: { ...options.headers, Authorization: token },
        signal: controller.signal,
        requestKey: null,
        fetch: (input, init) => fetchImpl(input, init),
      })
    } catch (error) {
      throw fromPocketBaseError(error, method, path.split('?')[0] ?? path, state)
    } finally {
      clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onAbort)
    }
  }
}
