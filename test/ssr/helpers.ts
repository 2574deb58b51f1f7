/**
 * A browser's cookie jar for unit tests: what it keeps between requests, and the `cookies` of one request
 * (`getAll` from the jar, `setAll` recorded and applied, honouring `maxAge` on an injected clock).
 */
import type { CookieToSet, RequestCookies } from '../../src/ssr/index.js'
import { serializeCookie } from '../../src/ssr/index.js'

/** A 32-byte secret for tests. */
export const SECRET = 'test-cookie-secret-0123456789abcdef'
/** Another one, for rotation. */
export const OTHER_SECRET = 'another-cookie-secret-0123456789abcdef'

/** One request's cookies plus what the response set. */
export interface RequestCookieRecorder extends RequestCookies {
  /** Every cookie the response set, in order. */
  readonly set: CookieToSet[]
  /** How many times `setAll` was called. */
  readonly calls: number
}

/** A browser that keeps cookies between requests. */
export class FakeBrowser {
  readonly #cookies = new Map<string, { value: string; expiresAt: number }>()
  readonly #now: () => number

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** The cookies of the next request, and a recorder of the response's `Set-Cookie`s. */
  request(): RequestCookieRecorder {
    const set: CookieToSet[] = []
    let calls = 0
    return {
      set,
      get calls() {
        return calls
      },
      getAll: () => this.list(),
      setAll: (cookies) => {
        calls++
        for (const cookie of cookies) {
          set.push(cookie)
          this.apply(cookie)
        }
      },
    }
  }

  /** Applies one `Set-Cookie`. */
  apply(cookie: CookieToSet): void {
    if (cookie.options.maxAge <= 0) this.#cookies.delete(cookie.name)
    else
      this.#cookies.set(cookie.name, {
        value: cookie.value,
        expiresAt: this.#now() + cookie.options.maxAge * 1000,
      })
  }

  /** Sets a cookie directly (as an attacker or an old app would). */
  put(name: string, value: string): void {
    this.#cookies.set(name, { value, expiresAt: Number.POSITIVE_INFINITY })
  }

  /** The live cookies. */
  list(): { name: string; value: string }[] {
    const now = this.#now()
    return [...this.#cookies]
      .filter(([, cookie]) => cookie.expiresAt > now)
      .map(([name, cookie]) => ({ name, value: cookie.value }))
  }

  /** A live cookie's value. */
  get(name: string): string | undefined {
    return this.list().find((cookie) => cookie.name === name)?.value
  }

  /** The names of the live cookies, sorted. */
  names(): string[] {
    return this.list()
      .map((cookie) => cookie.name)
      .sort()
  }
}

/** The byte length of the `Set-Cookie` header a cookie becomes. */
export const headerBytes = (cookie: CookieToSet): number =>
  new TextEncoder().encode(serializeCookie(cookie)).length
