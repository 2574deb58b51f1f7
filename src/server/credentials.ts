/**
 * Where a request's token comes from: the `Authorization` header, else (with the `cookie` option) the session
 * cookie of `pocketbase-auth/ssr`. This is the one place that reads either. The cookie's layout is
 * `pocketbase-auth/ssr`'s, read through its secret-free module (`src/ssr/session-cookie-value.ts`): the dependency
 * rules let an entry use another entry's modules, and this one imports nothing but its own helpers.
 * @module
 */
import { parseCookieHeader } from '../ssr/cookie-header.js'
import { sessionTokenFromCookies } from '../ssr/session-cookie-value.js'

/** Reads one request header by its lower-case name; `undefined` when absent. */
export type HeaderReader = (name: string) => string | null | undefined

/**
 * The token in an `Authorization` header: `Bearer <token>` (the scheme in any case, as PocketBase reads it) or the
 * bare token, as the official `pocketbase` SDK sends it.
 *
 * @param header - the header's value
 * @returns the token; `undefined` for an absent or blank header. Any other value (`Basic …`, a lone `Bearer`) is
 * returned as it is, so that the verifier refuses it as `token_invalid` rather than treating the request as anonymous.
 */
export function tokenFromAuthorization(header: string | null | undefined): string | undefined {
  const value = header?.trim()
  if (value === undefined || value === '') return undefined
  const bearer = /^bearer\s+(\S+)$/i.exec(value)
  return bearer?.[1] ?? value
}

/**
 * The token a request presents: its `Authorization` header's, else its session cookie's when `cookieName` is set.
 *
 * @param readHeader - reads the request's headers
 * @param cookieName - the session cookie to read when there is no header; `undefined` reads no cookie
 * @returns the token, or `undefined` when the request presents none
 */
export function readPresentedToken(readHeader: HeaderReader, cookieName?: string): string | undefined {
  const fromHeader = tokenFromAuthorization(readHeader('authorization'))
  if (fromHeader !== undefined || cookieName === undefined) return fromHeader
  const header = readHeader('cookie')
  if (header === null || header === undefined || header === '') return undefined
  const cookies = new Map<string, string>()
  for (const { name, value } of parseCookieHeader(header)) if (!cookies.has(name)) cookies.set(name, value)
  return sessionTokenFromCookies((name) => cookies.get(name), cookieName)
}
