/**
 * Play the browser in an OAuth2 code flow: follow the provider's authorize redirect without a real browser.
 * @module
 */

/**
 * GET a provider authorize URL without following redirects and return the callback URL from `Location`
 * (it carries `code` and `state`, or `error` and `state`).
 * @param authorizeURL - the full authorize URL, or PocketBase's `authURL` that ends with `redirect_uri=`.
 * @param options.redirectURL - appended (URI-encoded) when `authorizeURL` ends with `redirect_uri=`.
 * @throws Error when the provider does not answer with a redirect.
 * @example
 * const callback = await followAuthorize(provider.authURL, { redirectURL: 'http://127.0.0.1:1/callback' })
 * const code = callback.searchParams.get('code')
 */
export async function followAuthorize(
  authorizeURL: string | URL,
  options: { redirectURL?: string } = {},
): Promise<URL> {
  let target = String(authorizeURL)
  if (options.redirectURL !== undefined && target.endsWith('redirect_uri=')) {
    target += encodeURIComponent(options.redirectURL)
  }
  const response = await fetch(target, { redirect: 'manual' })
  const location = response.headers.get('location')
  if (response.status < 300 || response.status > 399 || location === null) {
    const body = await response.text()
    throw new Error(`Authorize answered ${response.status} without a redirect: ${body.slice(0, 500)}`)
  }
  await response.body?.cancel()
  return new URL(location, target)
}
