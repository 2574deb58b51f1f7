/**
 * The `TokenStore` of a request's client: the session lives in the request's signed session cookie. It is read on
 * first use (lazily, so a request that never looks at the session pays nothing), and every change the client makes
 * (sign-in, refresh, sign-out) is written back at once, synchronously, in the same call that stores it.
 * @module
 */
import { ConfigError, type AuthSession, type Logger, type TokenStore } from '../index.js'
import { buildSession, parseAuthResponse, type ReceivedAuth } from '../kit.js'
import type { CookieAttributes, CookieToSet } from './cookie-header.js'
import { serializeAttributes } from './cookie-header.js'
import type { CookieJar } from './cookie-jar.js'
import type { HmacSha256 } from './hmac-sha256.js'
import type { KeyRing } from './keys.js'
import { decodeSession, encodeSession } from './session-codec.js'
import { chunkIndexOf, chunkName, readSessionValue } from './session-cookie-value.js'

/** The largest `Set-Cookie` header a cookie of this entry may take: what every browser must store (RFC 6265). */
export const MAX_COOKIE_BYTES = 4096

/**
 * Room kept free in each cookie for what a framework may add on its own (Express adds an `Expires` date next to
 * `Max-Age`; others add `Priority` or `Partitioned`), so the header it sends stays within {@link MAX_COOKIE_BYTES}.
 */
export const ATTRIBUTE_RESERVE_BYTES = 96

/** How the session cookie is written. */
export interface SessionCookieSettings {
  /** The cookie's name; chunks are `name.0`, `name.1`, … */
  readonly name: string
  /** Every attribute but `maxAge`, which follows the token. */
  readonly attributes: Omit<CookieAttributes, 'maxAge'>
  /** The most cookies one session may take. */
  readonly maxChunks: number
  /** The client's collection: a session of another collection is ignored. */
  readonly collection: string
  readonly now: () => number
  readonly ring: KeyRing
  readonly hmac: HmacSha256
  readonly logger: Logger
}

/** Where the session came from, for exchanges named in errors about it. */
const COOKIE_EXCHANGE = Object.freeze({ method: 'GET', path: '(session cookie)' })

/** A `TokenStore` backed by the request's session cookie. */
export class CookieSessionStore implements TokenStore {
  readonly #jar: CookieJar
  readonly #settings: SessionCookieSettings
  #loaded = false
  #session: AuthSession | null = null
  #legacyToken: string | undefined
  /** Whether this request ended the session (`clear()`): a given-back legacy token is dropped then. */
  #ended = false

  /**
   * @param jar - the request's cookies
   * @param settings - see {@link SessionCookieSettings}
   */
  constructor(jar: CookieJar, settings: SessionCookieSettings) {
    this.#jar = jar
    this.#settings = settings
  }

  /**
   * The session of the request's cookie (read on the first call), or the one this request stored since.
   *
   * @returns the session, or `null`
   */
  get(): AuthSession | null {
    if (!this.#loaded) this.#load()
    return this.#session
  }

  /**
   * Stores a session and writes its cookie (chunked when it does not fit one), deleting chunks it no longer uses.
   *
   * @param session - the new session
   * @throws {ConfigError} `config_invalid` (path `cookie.maxChunks`) when the session needs more cookies than
   * allowed; nothing is stored then, and the sign-in or refresh that brought it fails.
   */
  set(session: AuthSession): void {
    const cookies = this.#cookiesFor(session)
    this.#loaded = true
    this.#session = session
    this.#legacyToken = undefined
    this.#jar.write(cookies)
  }

  /** Forgets the session and deletes its cookie and chunks. */
  clear(): void {
    this.#loaded = true
    this.#ended = true
    this.#session = null
    this.#legacyToken = undefined
    this.deleteCookies()
  }

  /**
   * The token of an official-SDK `pb_auth` cookie, which nothing trusts until PocketBase confirms it; taken once.
   *
   * @returns the token, or `undefined` when the cookie is not in that format
   */
  takeLegacyToken(): string | undefined {
    if (!this.#loaded) this.#load()
    const token = this.#legacyToken
    this.#legacyToken = undefined
    return token
  }

  /**
   * Gives back a token taken by {@link takeLegacyToken} whose confirmation failed for a transient reason (an
   * outage, a timeout, the caller's abort), so a later `getSession()` in the same request tries again. Ignored
   * once this request holds a session of its own or has ended it.
   *
   * @param token - the token `takeLegacyToken()` returned
   */
  returnLegacyToken(token: string): void {
    if (this.#session === null && this.#legacyToken === undefined && !this.#ended) this.#legacyToken = token
  }

  /** Deletes the session cookie and every chunk of it that is present, whatever their content. */
  deleteCookies(): void {
    const { name, attributes } = this.#settings
    const names = this.#jar
      .names()
      .filter((candidate) => candidate === name || chunkIndexOf(name, candidate) !== undefined)
    this.#jar.delete(names, { ...attributes, maxAge: 0 })
  }

  /**
   * Never reveals the token when inspected or serialised.
   *
   * @returns `{ session: 'present' }` while a session is held, else `{ session: null }`
   */
  toJSON(): { session: 'present' | null } {
    return { session: this.#session === null ? null : 'present' }
  }

  #load(): void {
    this.#loaded = true
    const { name, ring, hmac, logger, collection } = this.#settings
    const value = readSessionValue((cookie) => this.#jar.get(cookie), name)
    if (value === undefined) return
    const decoded = decodeSession(value, ring, hmac)
    if (decoded === undefined) {
      logger.info(
        'session cookie ignored: unreadable, changed, or signed with a secret no longer configured',
        {
          cookie: name,
        },
      )
      return
    }
    if (decoded.kind === 'legacy') {
      this.#legacyToken = decoded.token
      return
    }
    let session: AuthSession
    try {
      const body = parseAuthResponse({ token: decoded.token, record: decoded.record }, COOKIE_EXCHANGE)
      const received: ReceivedAuth = {
        body,
        clockOffsetMs: decoded.clockOffsetMs,
        receivedAt: decoded.issuedAt,
        exchange: COOKIE_EXCHANGE,
      }
      session = buildSession(received)
    } catch {
      logger.info('session cookie ignored: its token is not a PocketBase auth token of its record', {
        cookie: name,
      })
      return
    }
    if (session.collectionName !== collection && session.collectionId !== collection) {
      logger.info('session cookie ignored: it belongs to another collection', {
        cookie: name,
        collection: session.collectionName,
      })
      return
    }
    this.#session = session
  }

  /** The cookies that keep `session`: one, or numbered chunks, plus deletions of what they replace. */
  #cookiesFor(session: AuthSession): CookieToSet[] {
    const { name, attributes, maxChunks, ring, hmac, now } = this.#settings
    const value = encodeSession(session, ring, hmac)
    const options: CookieAttributes = {
      ...attributes,
      maxAge: Math.max(1, Math.floor((session.expiresAt - now()) / 1000)),
    }
    const room = MAX_COOKIE_BYTES - ATTRIBUTE_RESERVE_BYTES - serializeAttributes(options).length
    const present = this.#jar.names()
    const deletion = (cookie: string): CookieToSet => ({
      name: cookie,
      value: '',
      options: { ...options, maxAge: 0 },
    })
    if (name.length + 1 + value.length <= room) {
      const stale = present.filter((cookie) => chunkIndexOf(name, cookie) !== undefined)
      return [{ name, value, options }, ...stale.map(deletion)]
    }
    const chunkRoom = room - (chunkName(name, maxChunks).length + 1)
    const count = Math.ceil(value.length / chunkRoom)
    if (count > maxChunks) {
      throw new ConfigError(
        [
          {
            path: 'cookie.maxChunks',
            message: `the session needs ${count} cookies of 4 kB (${value.length} bytes encoded, mostly its record); sign in with \`fields\` to keep fewer record fields, or allow more chunks`,
          },
        ],
        'The session does not fit the session cookie',
      )
    }
    const chunks: CookieToSet[] = []
    for (let index = 0; index < count; index++) {
      chunks.push({
        name: chunkName(name, index),
        value: value.slice(index * chunkRoom, (index + 1) * chunkRoom),
        options,
      })
    }
    const stale = present.filter((cookie) => cookie === name || (chunkIndexOf(name, cookie) ?? -1) >= count)
    return [...chunks, ...stale.map(deletion)]
  }
}
