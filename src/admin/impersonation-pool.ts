import {
  AuthClient,
  ConfigError,
  DEFAULTS,
  NotAuthenticatedError,
  type ImpersonateOptions,
} from '../index.js'
import {
  checkOptions,
  clientConfig,
  ifDefined,
  isNonEmptyString,
  MAX_TIMER_DELAY_MS,
  numberIn,
  stopBackgroundRefresh,
  whenClientDisposed,
  type OptionCheck,
} from '../kit.js'

/** Options of {@link createImpersonationPool}. */
export interface ImpersonationPoolOptions {
  /** Auth collection of the records to act for. @default 'users' */
  collection?: string
  /** Most children kept in the pool (each with its renewal timer); the least recently used go first. Required. */
  max: number
  /** A child not acquired for this many seconds leaves the pool. Required. */
  idleSeconds: number
  /**
   * Lifetime of each impersonation token in seconds; 0 means the collection's auth token duration.
   * @default 0
   */
  durationSeconds?: number
}

/** A pool of renewing impersonated children of one superuser client; see {@link createImpersonationPool}. */
export interface ImpersonationPool {
  /**
   * The pool's child for `recordId`: the same client while it stays in the pool, else a new one from
   * `superuser.impersonate(recordId, { renew: true, collection })`. Concurrent calls for one record share one
   * impersonation request.
   *
   * @param recordId - id of the record to act for
   * @returns a renewing child `AuthClient`
   * @throws {AuthError} `config_invalid` (empty `recordId`), `not_authenticated` (the pool was disposed: the
   * message names the pool), and every code of `impersonate()` (`not_found`, `forbidden`, transport codes).
   */
  acquire(recordId: string): Promise<AuthClient>
  /** Children in the pool now (at most `max`). */
  readonly size: number
  /**
   * Ends every child the pool made (pooled, and evicted ones still held somewhere) and refuses later `acquire`
   * calls; waits for impersonations in flight and ends their children too. Idempotent.
   */
  dispose(): Promise<void>
  /** `await using pool = createImpersonationPool(...)` disposes at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>
}

interface Entry {
  readonly child: AuthClient
  lastUsedAt: number
  readonly unlisten: () => void
}

const whole = (min: number, max: number): OptionCheck => numberIn(min, max, true)

const OPTION_CHECKS: Readonly<Record<keyof ImpersonationPoolOptions, OptionCheck>> = {
  collection: ifDefined((value) => (isNonEmptyString(value) ? undefined : 'must be a non-empty string')),
  max: whole(1, 1_000_000),
  idleSeconds: whole(1, Math.floor(MAX_TIMER_DELAY_MS / 1000)),
  durationSeconds: ifDefined(whole(0, 94_670_856)),
}

/**
 * A pool of impersonated children for a job that acts for many users through one superuser client: at most `max`
 * children live (each renewing its token through the superuser before it expires), the least recently acquired
 * beyond `max` and those idle past `idleSeconds` leave the pool.
 *
 * Leaving the pool never fails a call: an evicted child is not disposed, only its background renewal timer stops.
 * A call in flight on it finishes as it would have, and a holder may go on using it: it renews on demand (through
 * the superuser) when its token is due. The pool forgets it; it is collected once its holder lets go, and a later
 * `acquire` of that record makes a new child. So timers are bounded by `max`, memory by `max` plus what callers
 * still hold. `dispose()` ends every child, pooled or evicted.
 *
 * @param superuser - a superuser client (with `credentials`, or signed in), the parent of every child
 * @param options - see {@link ImpersonationPoolOptions}
 * @returns the pool
 * @throws {ConfigError} `config_invalid` naming `superuser` (not a client from `createAuthClient()`),
 * `collection`, `max`, `idleSeconds` or `durationSeconds`.
 * @example
 * ```ts
 * import { createAuthClient, createDbInterface } from 'pocketbase-auth'
 * import { createImpersonationPool } from 'pocketbase-auth/admin'
 *
 * const superuser = createAuthClient({
 *   url: 'http://127.0.0.1:8090',
 *   collection: '_superusers',
 *   credentials: () => ({ identity: 'admin@example.com', password: process.env.PB_ADMIN_PASSWORD ?? '' }),
 * })
 * const pool = createImpersonationPool(superuser, { collection: 'users', max: 500, idleSeconds: 300 })
 * const alice = await pool.acquire('RECORD_ID_OF_ALICE')
 * const posts = await createDbInterface(alice).collection('posts').getList()
 * await pool.dispose()
 * ```
 */
export function createImpersonationPool(
  superuser: AuthClient,
  options: ImpersonationPoolOptions,
): ImpersonationPool {
  const issues = checkOptions(options, OPTION_CHECKS)
  if (!(superuser instanceof AuthClient)) {
    issues.unshift({ path: 'superuser', message: 'must be a client from createAuthClient()' })
  }
  if (issues.length > 0) throw new ConfigError(issues, 'createImpersonationPool')
  return new Pool(superuser, options)
}

/** The pool; its entries map keeps the least recently acquired first. */
class Pool implements ImpersonationPool {
  readonly #superuser: AuthClient
  readonly #now: () => number
  readonly #collection: string
  readonly #max: number
  readonly #idleMs: number
  readonly #impersonate: ImpersonateOptions
  readonly #entries = new Map<string, Entry>()
  readonly #pending = new Map<string, Promise<AuthClient>>()
  /** Evicted children, weakly: `dispose()` ends those still held somewhere. */
  #evicted = new Set<WeakRef<AuthClient>>()
  #pruneEvictedAt = 64
  #sweep: ReturnType<typeof setTimeout> | undefined
  #disposing: Promise<void> | undefined

  constructor(superuser: AuthClient, options: ImpersonationPoolOptions) {
    this.#superuser = superuser
    this.#now = clientConfig(superuser, 'createImpersonationPool').now
    this.#collection = options.collection ?? DEFAULTS.collection
    this.#max = options.max
    this.#idleMs = options.idleSeconds * 1000
    this.#impersonate = {
      renew: true,
      collection: this.#collection,
      ...(options.durationSeconds === undefined ? {} : { durationSeconds: options.durationSeconds }),
    }
  }

  get size(): number {
    return this.#entries.size
  }

  async acquire(recordId: string): Promise<AuthClient> {
    this.#assertOpen()
    if (!isNonEmptyString(recordId)) {
      throw new ConfigError(
        [{ path: 'recordId', message: 'must be a non-empty string' }],
        `${this.#name}: acquire`,
      )
    }
    const entry = this.#entries.get(recordId)
    if (entry !== undefined && entry.child.session !== null) {
      // Most recently used goes last.
      this.#entries.delete(recordId)
      this.#entries.set(recordId, entry)
      entry.lastUsedAt = this.#now()
      return entry.child
    }
    if (entry !== undefined) this.#remove(recordId, entry, true) // its session ended (parent logout, refused)
    const pending = this.#pending.get(recordId) ?? this.#start(recordId)
    return pending
  }

  #start(recordId: string): Promise<AuthClient> {
    const pending = this.#superuser
      .impersonate(recordId, this.#impersonate)
      .then((child) => this.#admit(recordId, child))
      .finally(() => this.#pending.delete(recordId))
    this.#pending.set(recordId, pending)
    return pending
  }

  #admit(recordId: string, child: AuthClient): AuthClient {
    if (this.#disposing !== undefined) {
      child.dispose()
      this.#assertOpen()
    }
    const ended = (): void => {
      const entry = this.#entries.get(recordId)
      if (entry?.child === child) this.#remove(recordId, entry, true)
    }
    // A child whose session ended, or that its holder disposed (`await using`), is never handed out again.
    const unlistenSignedOut = child.on('signedOut', ended)
    const forgetDisposed = whenClientDisposed(child, 'ImpersonationPool', ended)
    const unlisten = (): void => {
      unlistenSignedOut()
      forgetDisposed()
    }
    this.#entries.set(recordId, { child, lastUsedAt: this.#now(), unlisten })
    for (const [id, entry] of this.#entries) {
      if (this.#entries.size <= this.#max) break
      this.#remove(id, entry, false)
    }
    if (this.#sweep === undefined) this.#armSweep()
    return child
  }

  /** Takes a child out of the pool: disposed when its session ended, else evicted (still usable, no timer). */
  #remove(recordId: string, entry: Entry, ended: boolean): void {
    this.#entries.delete(recordId)
    entry.unlisten()
    if (ended) {
      entry.child.dispose()
      return
    }
    stopBackgroundRefresh(entry.child, 'ImpersonationPool')
    this.#evicted.add(new WeakRef(entry.child))
    if (this.#evicted.size >= this.#pruneEvictedAt) {
      for (const ref of this.#evicted) if (ref.deref() === undefined) this.#evicted.delete(ref)
      this.#pruneEvictedAt = Math.max(64, 2 * this.#evicted.size)
    }
  }

  /** One timer for the whole pool, at the moment the least recently used child becomes idle. */
  #armSweep(): void {
    clearTimeout(this.#sweep)
    this.#sweep = undefined
    const oldest = this.#entries.values().next().value
    if (oldest === undefined || this.#disposing !== undefined) return
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, oldest.lastUsedAt + this.#idleMs - this.#now()))
    const timer = setTimeout(() => this.#evictIdle(), delay)
    ;(timer as { unref?: () => unknown }).unref?.()
    this.#sweep = timer
  }

  #evictIdle(): void {
    const idleSince = this.#now() - this.#idleMs
    for (const [id, entry] of this.#entries) {
      if (entry.lastUsedAt > idleSince) break
      this.#remove(id, entry, false)
    }
    this.#armSweep()
  }

  dispose(): Promise<void> {
    this.#disposing ??= this.#disposeAll()
    return this.#disposing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose()
  }

  async #disposeAll(): Promise<void> {
    clearTimeout(this.#sweep)
    this.#sweep = undefined
    // Children still being impersonated are disposed as they arrive (#admit).
    await Promise.allSettled([...this.#pending.values()])
    for (const [id, entry] of [...this.#entries]) this.#remove(id, entry, true)
    for (const ref of this.#evicted) ref.deref()?.dispose()
    this.#evicted = new Set()
  }

  get #name(): string {
    return `impersonation pool (${this.#collection})`
  }

  #assertOpen(): void {
    if (this.#disposing !== undefined) {
      throw new NotAuthenticatedError(`${this.#name}: acquire after the pool's dispose(); create a new pool`)
    }
  }
}
