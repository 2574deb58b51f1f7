import type { FailedExchange } from './auth-error.js'

/**
 * A URL as error messages show it: origin and path only, never its query string, fragment or credentials
 * (`https://user:pass@host/p?token=x` → `https://host/p`).
 *
 * @param url - an absolute URL
 * @returns `origin + pathname`, or `undefined` when `url` is not an absolute URL
 */
export function urlForMessages(url: string | URL): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.origin === 'null' ? undefined : parsed.origin + parsed.pathname
  } catch {
    return undefined
  }
}

/**
 * How messages name a request: `POST https://pb.example.com/api/collections/users/auth-with-password`, or
 * the method and path alone when the exchange has no URL.
 *
 * @param exchange - the request's method and path, and its URL when known
 * @returns `METHOD URL`, without query string or credentials (even when `exchange.url` has them)
 */
export function requestLabel(exchange: Pick<FailedExchange, 'method' | 'path' | 'url'>): string {
  const url = exchange.url === undefined ? undefined : urlForMessages(exchange.url)
  return `${exchange.method} ${url ?? exchange.path}`
}
