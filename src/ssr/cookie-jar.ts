/**
 * One request's cookies: read once through `getAll()`, written through `setAll()` in batches, with a view of what
 * this request has written so far (so that a later write knows which chunks to delete). A `setAll` that throws
 * (Next.js server components cannot set cookies) makes the jar read-only for the rest of the request; the request
 * goes on.
 * @module
 */
import type { Logger } from '../index.js'
import type { CookieAttributes, CookieToSet, RequestCookie } from './cookie-header.js'

/** How the request hands its cookies over and takes new ones back. */
export interface RequestCookies {
  /**
   * Every cookie of the request. Called at most once per client, on first use.
   *
   * @returns the cookies, e.g. Next.js `cookieStore.getAll()`, SvelteKit `cookies.getAll()`, or
   * `parseCookieHeader(request.headers.get('cookie'))`
   */
  getAll(): readonly RequestCookie[]
  /**
   * Sets cookies on the response (deletions have `maxAge: 0`). Leave it out where a request cannot set cookies
   * (Next.js server components): the client then reads the session but never refreshes or writes it.
   *
   * @param cookies - every cookie to set, in one batch
   */
  setAll?(cookies: readonly CookieToSet[]): void
}

/** A request's cookies, as the session store and the sign-in cookies use them. */
export class CookieJar {
  readonly #cookies: RequestCookies
  readonly #logger: Logger
  /** The request's cookies by name (first occurrence), then overwritten by this request's writes. */
  #values: Map<string, string> | undefined
  #writable: boolean

  /**
   * @param cookies - the framework's cookies
   * @param logger - where a failed read or write is reported (never a value)
   */
  constructor(cookies: RequestCookies, logger: Logger) {
    this.#cookies = cookies
    this.#logger = logger
    this.#writable = typeof cookies.setAll === 'function'
  }

  /**
   * Whether cookies can still be set in this request.
   *
   * @returns `false` without `setAll`, or once `setAll` threw
   */
  get writable(): boolean {
    return this.#writable
  }

  /**
   * A cookie's current value: what this request wrote last, else what the request carried.
   *
   * @param name - the cookie's name
   * @returns the value, or `undefined` when absent or deleted
   */
  get(name: string): string | undefined {
    const value = this.#read().get(name)
    return value === '' ? undefined : value
  }

  /**
   * Every cookie name present now.
   *
   * @returns the names with a non-empty value
   */
  names(): string[] {
    return [...this.#read()].filter(([, value]) => value !== '').map(([name]) => name)
  }

  /**
   * Sets cookies on the response, in one `setAll` call. Nothing happens when the jar is read-only.
   *
   * @param cookies - the cookies to set; a `maxAge` of 0 deletes
   * @returns `true` when `setAll` accepted them
   */
  write(cookies: readonly CookieToSet[]): boolean {
    if (cookies.length === 0) return true
    const values = this.#read()
    if (!this.#writable) {
      this.#logger.debug('session cookies not written: this request cannot set cookies', {
        cookies: cookies.map((cookie) => cookie.name).join(', '),
      })
      return false
    }
    try {
      this.#cookies.setAll?.(cookies)
    } catch (error) {
      this.#writable = false
      this.#logger.warn(
        'cookies.setAll threw: this request cannot set cookies (e.g. a Next.js server component); it goes on with the session it has, and refreshes nothing more. Refresh in middleware or a route handler.',
        { error: error instanceof Error ? error.name : typeof error },
      )
      return false
    }
    for (const cookie of cookies) values.set(cookie.name, cookie.options.maxAge > 0 ? cookie.value : '')
    return true
  }

  /**
   * Deletes the cookies that are present now among `names`.
   *
   * @param names - the cookies to delete
   * @param attributes - their path, domain and flags (a deletion must match them)
   */
  delete(names: readonly string[], attributes: CookieAttributes): void {
    const present = names.filter((name) => this.get(name) !== undefined)
    this.write(present.map((name) => ({ name, value: '', options: { ...attributes, maxAge: 0 } })))
  }

  #read(): Map<string, string> {
    if (this.#values !== undefined) return this.#values
    const values = new Map<string, string>()
    let cookies: readonly RequestCookie[] = []
    try {
      cookies = this.#cookies.getAll()
    } catch (error) {
      this.#logger.error('cookies.getAll threw; the request is treated as carrying no cookies', {
        error: error instanceof Error ? error.name : typeof error,
      })
    }
    for (const cookie of Array.isArray(cookies) ? cookies : []) {
      if (typeof cookie?.name === 'string' && typeof cookie.value === 'string' && !values.has(cookie.name)) {
        values.set(cookie.name, cookie.value)
      }
    }
    this.#values = values
    return values
  }
}
