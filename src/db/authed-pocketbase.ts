import PocketBase, { type BaseAuthStore, type SendOptions } from 'pocketbase'
import type { UnexpectedResponseError } from '../errors/protocol.js'
import { AbortedError } from '../errors/transport.js'
import { RequestDeadline } from '../http/request-deadline.js'
import { abandonOnAbort } from '../lifecycle/abandon-on-abort.js'
import { GuardRefusal, guardedFetch } from './guarded-fetch.js'
import { fromPocketBaseError } from './pocketbase-errors.js'

/** What the adapter needs from an `AuthClient`'s token keeper. */
export interface TokenSource {
  /**
   * Runs `call` with a token, refreshed or signed in first when due; when the server rejects it, the client's one
   * path for rejected tokens gives another, and `call` runs once more (see `TokenKeeper.withToken`).
   */
  withToken<T>(
    call: (token: string) => Promise<T>,
    origin: 'caller',
    wait: ((pending: Promise<string>) => Promise<string>) | undefined,
  ): Promise<T>
}

/** Connection settings the adapter copies from the client. */
export interface AuthedPocketBaseSettings {
  readonly url: string
  /** Per-request time limit in ms; `0` for none. */
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
 * from the `AuthClient`, with the adapter's per-request time limit (none for 0); a 401 leads to one refresh and
 * one retry, and every failure becomes an `AuthError`. Auto-cancellation is off.
 */
export class AuthedPocketBase extends PocketBase {
  readonly #auth: TokenSource
  readonly #settings: AuthedPocketBaseSettings
  /** The `fetch` the SDK calls: the client's (or the global one) behind the response checks. */
  readonly #fetch: NonNullable<SendOptions['fetch']>

  /**
   * @param auth - where tokens come from: the `AuthClient`'s token keeper
   * @param settings - the client's URL and `fetch`, and the adapter's per-request time limit (the client's
   * `timeoutMs` unless `createDbInterface` was given one; 0 for none)
   */
  constructor(auth: TokenSource, settings: AuthedPocketBaseSettings) {
    super(settings.url, createMemoryAuthStore(settings.url))
    this.#auth = auth
    this.#settings = settings
    const custom = settings.fetch
    // The client's fetch, or the global one looked up per request (so test tools can intercept it), behind the
    // same response checks as the core's requests.
    this.#fetch = guardedFetch(custom === undefined ? () => globalThis.fetch : () => custom)
    this.autoCancellation(false)
  }

  /**
   * Sends one request with a fresh token; see the class description.
   *
   * @param path - the request path, e.g. `/api/collections/posts/records`
   * @param options - the `pocketbase` SDK's send options; `signal` cancels the request
   * @returns the parsed response body, as the SDK's `send`
   * @throws {AuthError} every failure, e.g. `aborted` (the caller's signal), `timeout`, `token_expired` (also
   * after the one refresh and retry)
   */
  override async send<T>(path: string, options: SendOptions): Promise<T> {
    const signal = options.signal ?? undefined
    if (signal?.aborted === true) throw new AbortedError(callerAborted(path, options))
    // A rejected token takes the same path as getToken(): refresh, renew an impersonated child, or end a session
    // that cannot be; concurrent callers rejected with the same token share one refresh and retry with its token.
    // The caller's signal ends its wait for a token at once; a shared refresh goes on for everyone else.
    return this.#auth.withToken(
      (token) => this.#sendOnce<T>(path, options, token),
      'caller',
      signal === undefined
        ? undefined
        : (pending) => abandonOnAbort(pending, signal, callerAborted(path, options)),
    )
  }

  /** The client's `fetch`; without one, a per-call `fetch` from the SDK options; else the global one. */
  #fetchFor(options: SendOptions): NonNullable<SendOptions['fetch']> {
    const perCall = options.fetch
    if (this.#settings.fetch !== undefined || perCall === undefined) return this.#fetch
    return guardedFetch(() => perCall)
  }

  async #sendOnce<T>(path: string, options: SendOptions, token: string): Promise<T> {
    const callerSignal = options.signal ?? undefined
    // The caller may have aborted while the token was refreshed: then nothing is sent.
    if (callerSignal?.aborted === true) throw new AbortedError(callerAborted(path, options))
    // Object.assign, not spread syntax: spreading the SDK's options object measured slower per call.
    const init: SendOptions = Object.assign({}, options, {
      headers: Object.assign({}, options.headers, { Authorization: token }),
      requestKey: null,
      // Never follow a redirect: the token would go with it (the guarded fetch refuses the 3xx).
      redirect: 'manual' as const,
      fetch: this.#fetchFor(options),
    })
    const { timeoutMs } = this.#settings
    // With no time limit and no caller signal, `fetch` gets no signal: following one costs it per request. A
    // caller's signal is still followed through a deadline of our own, so no listener stays on it afterwards.
    const deadline =
      timeoutMs === 0 && callerSignal === undefined ? undefined : new RequestDeadline(timeoutMs, callerSignal)
    if (deadline !== undefined) init.signal = deadline.signal
    try {
      return await super.send<T>(path, init)
    } catch (error) {
      const refusal = guardRefusalIn(error)
      if (refusal !== undefined) throw refusal
      const method = (options.method ?? 'GET').toUpperCase()
      const state = {
        timedOut: deadline?.timedOut === true,
        aborted: deadline?.signal.aborted === true,
        timeoutMs,
      }
      throw fromPocketBaseError(error, method, path.split('?')[0] ?? path, state, this.#settings.url)
    } finally {
      deadline?.end()
    }
  }
}

/** The guard's typed error when the SDK's error wraps a refusal of the guarded fetch. */
function guardRefusalIn(error: unknown): UnexpectedResponseError | undefined {
  const original = (error as { originalError?: unknown } | null)?.originalError
  return original instanceof GuardRefusal ? original.refusal : undefined
}

function callerAborted(path: string, options: SendOptions): string {
  return `${(options.method ?? 'GET').toUpperCase()} ${path}: aborted by the caller`
}
