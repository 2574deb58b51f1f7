import type {
  ListResult,
  RecordFullListOptions,
  RecordListOptions,
  RecordModel,
  RecordOptions,
  RecordService,
} from 'pocketbase'
import { lifecycleOf, type AuthClient } from '../client.js'
import { checkOptions, ifDefined, MAX_TIMER_DELAY_MS, numberIn, type OptionCheck } from '../config.js'
import { isAuthError } from '../errors/auth-error.js'
import { ConfigError } from '../errors/config-error.js'
import { UnexpectedResponseError } from '../errors/protocol.js'
import { cleanServerText } from '../errors/server-text.js'
import { InputCheck } from '../flows/input.js'
import { collectionPath } from '../http/request.js'
import type { SessionLifecycle } from '../lifecycle/session-lifecycle.js'
import { isObject } from '../narrow.js'
import type { RealtimeConnection } from '../realtime/connection.js'
import { Realtime } from '../realtime/realtime.js'
import { subscribeToTopic, type Unsubscribe } from '../realtime/subscribe.js'
import type { RecordEvent } from '../realtime/subscriptions.js'
import type { SubscribeOptions } from '../realtime/topics.js'
import { AuthedPocketBase } from './authed-pocketbase.js'
import { createRealtimeConnection, fileTokensOf } from './db-realtime.js'
import type { FileTokens } from './file-tokens.js'
import { DbFiles } from './files.js'
import { fromPocketBaseError, isClientResponseError } from './pocketbase-errors.js'
import { formatIssuePath, type StandardSchemaV1 } from './standard-schema.js'

export type { ListResult, RecordModel } from 'pocketbase'

/** Options of `db.collection()`. */
export interface DbCollectionOptions<T> {
  /** Validates every returned record (any Standard Schema: zod, zod/mini, valibot…). @default no validation */
  schema?: StandardSchemaV1<T>
}

/** Options of `createDbInterface()`. Validated at once; a bad one throws `ConfigError` naming it. */
export interface DbInterfaceOptions {
  /**
   * Time limit of each request in milliseconds, body included, or `0` for none (a call's `signal` still
   * cancels it). Raise it for long uploads or large pages. With `0`, a call without a `signal` hands `fetch`
   * no `AbortSignal` at all, which Node's `fetch` makes measurably cheaper per request (README, Performance).
   * @default the client's `timeoutMs`
   */
  timeoutMs?: number
}

/** One check per `createDbInterface()` option. */
const DB_OPTION_CHECKS: Readonly<Record<keyof DbInterfaceOptions, OptionCheck>> = {
  timeoutMs: ifDefined(numberIn(0, MAX_TIMER_DELAY_MS, true)),
}

/** Body of a create or update: the record's fields, or `FormData` for files. */
export type RecordBody<T> = Partial<T> | Record<string, unknown> | FormData

/**
 * The record calls of one collection, each with a fresh token from the `AuthClient`.
 * Results are validated by the optional schema.
 */
export class DbCollection<T = RecordModel> {
  readonly #service: RecordService
  readonly #name: string
  readonly #schema: StandardSchemaV1<T> | undefined
  /** The client's base URL, for messages. */
  readonly #baseUrl: string
  readonly #realtime: () => RealtimeConnection

  /** @internal Use `db.collection(name)`. */
  constructor(
    service: RecordService,
    name: string,
    schema: StandardSchemaV1<T> | undefined,
    baseUrl: string,
    realtime: () => RealtimeConnection,
  ) {
    this.#service = service
    this.#name = name
    this.#schema = schema
    this.#baseUrl = baseUrl
    this.#realtime = realtime
  }

  /**
   * Subscribes to changes of this collection's records over the db-interface's one realtime connection (opened
   * by the first subscription, with only `fetch`: no `EventSource` needed). The server sends an event only for
   * records the signed-in user may list (`*`) or view (a record id). Every submission of the subscriptions
   * carries a fresh token; after a drop the connection reconnects and resubmits them (`db.realtime`). Changes
   * made while disconnected are not replayed: refetch on `connected` with `resumed: true`.
   *
   * @param topic - `*` for every record, or a record id
   * @param handler - called with `{ action, record }` for each change, records validated by the collection's
   * schema when it has one; a handler that throws (or rejects) becomes a `db.realtime` `error` event
   * @param options - see {@link SubscribeOptions}
   * @returns a function that ends this subscription
   * @throws {AuthError} `config_invalid` (bad arguments), `validation_failed` (a topic over 2,500 characters or a
   * 1,001st topic: PocketBase's limits), `not_authenticated` (no session; a disposed client), `token_expired`,
   * `aborted` (`options.signal`), and the transport codes of the connection attempt it waited for.
   * @example
   * ```ts
   * const stop = await db.collection<Post>('posts').subscribe('*', ({ action, record }) => {
   *   console.log(action, record.title)
   * }, { filter: 'published = true' })
   * await stop()
   * ```
   */
  subscribe(
    topic: string,
    handler: (event: RecordEvent<T>) => void,
    options?: SubscribeOptions,
  ): Promise<Unsubscribe> {
    const schema = this.#schema
    return subscribeToTopic(this.#realtime(), {
      method: `db.collection("${this.#name}").subscribe`,
      collection: this.#name,
      topic,
      handler,
      options,
      check: schema === undefined ? undefined : (record) => this.#validate(record, 'realtime', 'records'),
    })
  }

  /**
   * One page of records.
   *
   * @param page - the page number, from 1 (default 1)
   * @param perPage - records per page (default 30)
   * @param options - the `pocketbase` SDK's list options (`filter`, `sort`, `expand`, `signal`…)
   * @returns the page; its `items` validated by the collection's schema when it has one
   * @throws {AuthError} e.g. `token_expired`, `forbidden`, `unexpected_response`
   */
  async getList(page = 1, perPage = 30, options?: RecordListOptions): Promise<ListResult<T>> {
    const list = await this.#read('GET', 'records', () =>
      this.#service.getList<unknown>(page, perPage, options),
    )
    return { ...list, items: await this.#checkAll(isObject(list) ? list.items : undefined) }
  }

  /**
   * Every record matching the options (fetched in batches).
   *
   * @param options - the `pocketbase` SDK's full-list options (`batch`, `filter`, `sort`…)
   * @returns every matching record, validated by the collection's schema when it has one
   * @throws {AuthError} e.g. `token_expired`, `forbidden`, `unexpected_response` (also for a record the
   * schema rejects)
   */
  async getFullList(options?: RecordFullListOptions): Promise<T[]> {
    return this.#checkAll(
      await this.#read('GET', 'records', () => this.#service.getFullList<unknown>(options)),
    )
  }

  /**
   * One record by id.
   *
   * @param id - the record's id
   * @param options - the `pocketbase` SDK's record options (`expand`, `fields`, `signal`…)
   * @returns the record, validated by the collection's schema when it has one
   * @throws {NotFoundError} `not_found`
   */
  getOne(id: string, options?: RecordOptions): Promise<T> {
    return this.#readOne('GET', `records/${id}`, () => this.#service.getOne<unknown>(id, options))
  }

  /**
   * The first record matching `filter`.
   *
   * @param filter - a PocketBase filter expression, e.g. `published = true`
   * @param options - the `pocketbase` SDK's list options
   * @returns the first match, validated by the collection's schema when it has one
   * @throws {NotFoundError} `not_found` when nothing matches
   */
  getFirstListItem(filter: string, options?: RecordListOptions): Promise<T> {
    return this.#readOne('GET', 'records', () => this.#service.getFirstListItem<unknown>(filter, options))
  }

  /**
   * Creates a record.
   *
   * @param body - the record's fields, or `FormData` to upload files
   * @param options - the `pocketbase` SDK's record options
   * @returns the created record, validated by the collection's schema when it has one
   * @throws {ValidationError} `validation_failed`
   */
  create(body: RecordBody<T>, options?: RecordOptions): Promise<T> {
    return this.#readOne('POST', 'records', () => this.#service.create<unknown>(body, options))
  }

  /**
   * Updates a record.
   *
   * @param id - the record's id
   * @param body - the fields to change, or `FormData` to upload files
   * @param options - the `pocketbase` SDK's record options
   * @returns the updated record, validated by the collection's schema when it has one
   * @throws {ValidationError} `validation_failed`
   */
  update(id: string, body: RecordBody<T>, options?: RecordOptions): Promise<T> {
    return this.#readOne('PATCH', `records/${id}`, () => this.#service.update<unknown>(id, body, options))
  }

  /**
   * Deletes a record.
   *
   * @param id - the record's id
   * @param options - the `pocketbase` SDK's record options
   * @returns `true` once deleted
   * @throws {NotFoundError} `not_found`
   */
  delete(id: string, options?: RecordOptions): Promise<boolean> {
    return this.#read('DELETE', `records/${id}`, () => this.#service.delete(id, options))
  }

  /**
   * Runs one `pocketbase` SDK call. Its own post-processing of a body (e.g. `items.map` in `getList`) throws a
   * plain `TypeError` on a malformed answer; that becomes `unexpected_response`, so every failure stays typed.
   */
  async #read<R>(method: string, action: string, call: () => Promise<R>): Promise<R> {
    try {
      return await call()
    } catch (error) {
      if (isAuthError(error)) throw error
      const path = this.#path(action)
      // The SDK raises some answers itself (getFirstListItem's 404 when nothing matches): map them like any other.
      if (isClientResponseError(error))
        throw fromPocketBaseError(error, method, path, undefined, this.#baseUrl)
      throw new UnexpectedResponseError(
        `${this.#where(method, action)}: the response has an unexpected shape`,
        {
          cause: error,
        },
      )
    }
  }

  /** Checks that a list answer is an array; without a schema, records pass through (no promise per record). */
  #checkAll(items: unknown): T[] | Promise<T[]> {
    if (!Array.isArray(items)) {
      throw new UnexpectedResponseError(`${this.#where('GET', 'records')}: the response is not a list`)
    }
    if (this.#schema === undefined) return items as T[]
    return Promise.all(items.map((item, index) => this.#validate(item, 'GET', 'records', index)))
  }

  #path(action: string): string {
    return collectionPath(this.#name, action)
  }

  /** How messages name a request of this collection: method and URL, without query string. */
  #where(method: string, action: string): string {
    return `${method} ${this.#baseUrl}${this.#path(action)}`
  }

  /** One record from a `pocketbase` SDK call, checked by the collection's schema when it has one. */
  async #readOne(method: string, action: string, call: () => Promise<unknown>): Promise<T> {
    const record = await this.#read(method, action, call)
    return this.#schema === undefined ? (record as T) : this.#validate(record, method, action)
  }

  /**
   * Runs the collection's schema over one record. A rejected record is `unexpected_response` whose `issues`
   * holds every issue the schema reported (path and the schema's message, cleaned and cut like server text);
   * the message names the record and the first few paths.
   */
  async #validate(record: unknown, method: string, action: string, index?: number): Promise<T> {
    const schema = this.#schema
    if (schema === undefined) return record as T
    const result = await schema['~standard'].validate(record)
    if (result.issues === undefined) return result.value
    const issues = result.issues.map((issue) => ({
      path: cleanServerText(formatIssuePath(issue)),
      message: cleanServerText(typeof issue.message === 'string' ? issue.message : 'invalid'),
    }))
    const where = this.#where(method, action)
    const which = index === undefined ? 'the record' : `record ${index}`
    // The message lists the first few; `issues` on the error has them all.
    const shown = issues.slice(0, 5).map((issue) => `"${issue.path}": ${issue.message}`)
    const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more (see issues)` : ''
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`
    throw new UnexpectedResponseError(
      `${where}: ${which} does not match the schema (${count}): ${shown.join('; ') || '(none listed)'}${more}`,
      { issues },
    )
  }
}

/**
 * Collection access for an `AuthClient`: every request carries a fresh token (refreshed first when due). A call
 * never silently runs as a guest: it throws `not_authenticated` without a session (and no `credentials` to sign
 * in with), `token_expired` when the token expired and cannot be renewed, and `refresh_failed` when it expired
 * during a refresh outage.
 */
export class DbInterface {
  /** A `PocketBase` instance whose every request is authenticated the same way, for anything else. */
  readonly pb: AuthedPocketBase
  readonly #life: SessionLifecycle
  #connection: RealtimeConnection | undefined
  #realtime: Realtime | undefined
  #files: DbFiles | undefined

  /** @internal Use `createDbInterface(auth, options)`. */
  constructor(auth: AuthClient, options: DbInterfaceOptions = {}) {
    const life = lifecycleOf(auth)
    const issues = checkOptions(options, DB_OPTION_CHECKS)
    if (life === undefined)
      issues.unshift({ path: 'auth', message: 'must be a client from createAuthClient()' })
    if (life === undefined || issues.length > 0) {
      throw new ConfigError(issues, 'Invalid arguments to createDbInterface')
    }
    const { url, timeoutMs, fetch } = life.config
    this.pb = new AuthedPocketBase(life.keeper, { url, timeoutMs: options.timeoutMs ?? timeoutMs, fetch })
    this.#life = life
  }

  /**
   * The one realtime connection of this db-interface, carrying every `subscribe` of its collections: its
   * `state`, its `connected` / `disconnected` / `error` events, and `close()`.
   *
   * @returns the connection's handle (the same object every time)
   */
  get realtime(): Realtime {
    return (this.#realtime ??= new Realtime(this.#realtimeConnection()))
  }

  /**
   * File URLs, with a file token while signed in (protected file fields need one).
   *
   * @returns the file helper (the same object every time)
   */
  get files(): DbFiles {
    const life = this.#life
    return (this.#files ??= new DbFiles({
      config: life.config,
      session: () => life.state.current,
      fileTokens: () => this.#tokens(),
    }))
  }

  #realtimeConnection(): RealtimeConnection {
    return (this.#connection ??= createRealtimeConnection(this.#life, () => this.#tokens()))
  }

  #tokens(): FileTokens {
    return fileTokensOf(this.#life)
  }

  /**
   * The record calls of collection `name`.
   *
   * @param name - the collection's name
   * @param options - see {@link DbCollectionOptions}
   * @returns the collection's record calls, typed `T`
   * @throws {ConfigError} `config_invalid` when `name` is not a non-blank string.
   * @example
   * ```ts
   * const posts = db.collection<Post>('posts', { schema: PostSchema })
   * const page = await posts.getList(1, 20, { filter: 'published = true' })
   * ```
   */
  collection<T = RecordModel>(name: string, options?: DbCollectionOptions<T>): DbCollection<T> {
    new InputCheck('db.collection').text('name', name).done()
    return new DbCollection<T>(this.pb.collection(name), name, options?.schema, this.pb.baseURL, () =>
      this.#realtimeConnection(),
    )
  }
}

/**
 * Creates the db-interface adapter over an `AuthClient`.
 *
 * @param auth - a client from `createAuthClient()`; the adapter takes its URL and `fetch`, and its `timeoutMs`
 * unless `options.timeoutMs` is given
 * @param options - see {@link DbInterfaceOptions}
 * @returns the adapter, sharing the client's session
 * @throws {ConfigError} `config_invalid`, naming every bad option, and `auth` when it is not an `AuthClient`.
 * @example
 * ```ts
 * const db = createDbInterface(auth)
 * const page = await db.collection<Post>('posts').getList(1, 20, { filter: 'published = true' })
 * const uploads = createDbInterface(auth, { timeoutMs: 0 }) // no time limit, e.g. for large files
 * ```
 */
export function createDbInterface(auth: AuthClient, options?: DbInterfaceOptions): DbInterface {
  return new DbInterface(auth, options)
}
