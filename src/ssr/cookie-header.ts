/**
 * Cookies as frameworks hand them over and take them back: the list a request carries, the attributes of a cookie
 * to set, and two helpers for frameworks that only give you headers (`parseCookieHeader`, `serializeCookie`).
 * @module
 */

/** One cookie of the request, as `getAll()` returns it (the value already decoded, as frameworks do). */
export interface RequestCookie {
  readonly name: string
  readonly value: string
}

/**
 * The attributes of a cookie to set, in the shape Next.js, SvelteKit, Astro, Hono and the `cookie` package take
 * (`maxAge` in seconds; Express's `res.cookie` wants milliseconds).
 */
export interface CookieAttributes {
  readonly httpOnly: boolean
  readonly secure: boolean
  readonly sameSite: 'lax' | 'strict' | 'none'
  readonly path: string
  readonly domain?: string
  /** Seconds until the browser drops the cookie; `0` deletes it. */
  readonly maxAge: number
}

/** A cookie for the response: pass each to your framework's `cookies.set(name, value, options)`. */
export interface CookieToSet {
  readonly name: string
  /** Only characters `encodeURIComponent` leaves alone, so a framework that encodes values sends it unchanged. */
  readonly value: string
  readonly options: CookieAttributes
}

/**
 * Reads a `Cookie` request header into the list `getAll()` returns: for frameworks that give you the header only
 * (React Router, Astro, node:http). Values are URI-decoded when they contain `%`, as the `cookie` package does.
 *
 * @param header - the `Cookie` header, or `null`/`undefined` when the request has none
 * @returns every cookie in order (a repeated name appears once per occurrence; the first is the most specific)
 * @example
 * ```ts
 * declare const request: Request
 * const cookies = parseCookieHeader(request.headers.get('cookie'))
 * ```
 */
export function parseCookieHeader(header: string | null | undefined): RequestCookie[] {
  const cookies: RequestCookie[] = []
  if (typeof header !== 'string') return cookies
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=')
    if (at < 0) continue
    const name = pair.slice(0, at).trim()
    if (name === '') continue
    let value = pair.slice(at + 1).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    cookies.push({ name, value: decodeValue(value) })
  }
  return cookies
}

function decodeValue(value: string): string {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

/**
 * The attributes as they follow `name=value` in a `Set-Cookie` header.
 *
 * @param options - the cookie's attributes
 * @returns the attributes, starting with `; `
 */
export function serializeAttributes(options: CookieAttributes): string {
  let text = `; Max-Age=${Math.max(0, Math.floor(options.maxAge))}`
  if (options.domain !== undefined) text += `; Domain=${options.domain}`
  text += `; Path=${options.path}`
  if (options.httpOnly) text += '; HttpOnly'
  if (options.secure) text += '; Secure'
  return `${text}; SameSite=${options.sameSite === 'lax' ? 'Lax' : options.sameSite === 'strict' ? 'Strict' : 'None'}`
}

/**
 * Writes one cookie as a `Set-Cookie` header value: for frameworks where you append headers yourself (React
 * Router, node:http). The value is URI-encoded (a no-op for the cookies this entry writes).
 *
 * @param cookie - a cookie from `setAll`
 * @returns e.g. `pb_auth=v1~…; Max-Age=1209600; Path=/; HttpOnly; Secure; SameSite=Lax`
 * @example
 * ```ts
 * const headers = new Headers()
 * const setAll = (cookies: readonly CookieToSet[]): void => {
 *   for (const cookie of cookies) headers.append('Set-Cookie', serializeCookie(cookie))
 * }
 * ```
 */
export function serializeCookie(cookie: CookieToSet): string {
  return `${cookie.name}=${encodeURIComponent(cookie.value)}${serializeAttributes(cookie.options)}`
}
