/**
 * Where a request's token comes from. Today: the `Authorization` header. This is the one place that reads it, so the
 * SSR entry's `cookie` option (the session cookie when there is no header) is added here.
 * @module
 */

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
 * The token a request presents.
 *
 * @param readHeader - reads the request's headers
 * @returns the token, or `undefined` when the request presents none
 */
export function readPresentedToken(readHeader: HeaderReader): string | undefined {
  return tokenFromAuthorization(readHeader('authorization'))
}
