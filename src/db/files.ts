import type { ResolvedConfig } from '../config.js'
import { InputCheck } from '../flows/input.js'
import { isObject } from '../narrow.js'
import type { AuthSession } from '../session/types.js'
import type { FileTokens } from './file-tokens.js'

/** The parts of a record a file URL needs (any record from the db-interface has them). */
export interface FileRecordRef {
  readonly id: string
  /** Used when present; else `collectionName`. */
  readonly collectionId?: string
  readonly collectionName?: string
}

/** Options of `db.files.getURL()`. */
export interface FileURLOptions {
  /**
   * A thumbnail size the file field lists, e.g. `100x100`, `0x300`, `100x100f`; PocketBase serves the original
   * for a size it does not list, and for files that are not images. @default the original file
   */
  thumb?: string
  /** Ask the browser to download the file (`Content-Disposition: attachment`). @default false */
  download?: boolean
  /**
   * Add a file token (`?token=`), which protected file fields require. `true` adds one even without a session
   * (signing in through `credentials`, else `not_authenticated`); `false` never adds one.
   * @default true when the client is signed in, else false
   */
  token?: boolean
}

/** What `db.files` needs from the db-interface. */
export interface DbFilesDeps {
  readonly config: ResolvedConfig
  readonly session: () => AuthSession | null
  readonly fileTokens: () => FileTokens
}

/**
 * File URLs of a db-interface (`db.files`). A signed-in client cannot read a collection's schema to learn which
 * file fields are protected, so every URL gets a file token while signed in; the token is fetched once and
 * reused until shortly before it expires (concurrent callers share one request).
 */
export class DbFiles {
  readonly #deps: DbFilesDeps

  /** @internal Use `db.files`. */
  constructor(deps: DbFilesDeps) {
    this.#deps = deps
  }

  /**
   * The URL of one file of a record, with a file token when signed in (or when `token: true`).
   *
   * @param record - the record holding the file: its `id`, and `collectionId` or `collectionName`
   * @param filename - the file's name as stored in the record (e.g. `record.avatar`); `''` (no file) gives `''`
   * @param options - see {@link FileURLOptions}
   * @returns the absolute URL, e.g. `http://127.0.0.1:8090/api/files/COLLECTION/RECORD/a_x1.png?thumb=100x100&token=...`
   * @throws {ConfigError} `config_invalid` naming a bad argument (`record.id`, `record.collectionId`,
   * `filename`, `options.thumb`, `options.download`, `options.token`), before any request.
   * @throws {AuthError} when a file token is needed: `not_authenticated`, `token_expired`, transport codes.
   * @example
   * ```ts
   * const src = await db.files.getURL(user, user.avatar, { thumb: '100x100' })
   * ```
   */
  async getURL(record: FileRecordRef, filename: string, options: FileURLOptions = {}): Promise<string> {
    const collection = isObject(record) ? (record.collectionId ?? record.collectionName) : undefined
    const opts: FileURLOptions = isObject(options) ? options : {}
    const thumb: unknown = opts.thumb
    new InputCheck('db.files.getURL')
      .text('record.id', isObject(record) ? record.id : undefined)
      .text('record.collectionId', collection)
      .require(typeof filename === 'string', 'filename', 'must be a string')
      .require(
        thumb === undefined || (typeof thumb === 'string' && thumb !== ''),
        'options.thumb',
        'must be a size',
      )
      .require(isOptionalBoolean(opts.download), 'options.download', 'must be a boolean')
      .require(isOptionalBoolean(opts.token), 'options.token', 'must be a boolean')
      .require(isObject(options), 'options', 'must be an object')
      .done()
    if (filename === '') return ''
    const session = this.#deps.session()
    const owner = session === null ? undefined : `${session.collectionId}/${session.recordId}`
    const tokens = this.#deps.fileTokens()
    if (owner === undefined) tokens.clear()
    const token = (opts.token ?? owner !== undefined) ? await tokens.get(owner) : undefined
    const query = new URLSearchParams()
    if (opts.thumb !== undefined) query.set('thumb', opts.thumb)
    if (opts.download === true) query.set('download', '1')
    if (token !== undefined) query.set('token', token)
    const path = [collection as string, record.id, filename].map(encodeURIComponent).join('/')
    const search = query.toString() === '' ? '' : `?${query.toString()}`
    return `${this.#deps.config.url}/api/files/${path}${search}`
  }
}

function isOptionalBoolean(value: unknown): boolean {
  return value === undefined || typeof value === 'boolean'
}
