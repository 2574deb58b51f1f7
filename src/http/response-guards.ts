/**
 * Checks every response of the SDK gets before its body is read, for the core's requests and the db-interface
 * alike: redirects are refused (a 3xx would make `fetch` send credentials on to another origin), and so is a body
 * larger than {@link MAX_RESPONSE_BYTES}.
 * @module
 */

/**
 * The largest response body the SDK reads: 16 MiB. Auth answers are a few kB, but a record with `expand`ed
 * relations and editor fields (PocketBase allows 5 MB each by default) can be megabytes. A larger body is
 * refused as soon as its `Content-Length` says so, or once that many bytes have streamed in, so a hostile
 * server cannot make the client buffer hundreds of megabytes.
 */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** The end of a message about a body over the limit. */
export const TOO_LARGE_REASON = `is larger than the SDK's limit of ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB`

/**
 * Why a response must not be read, judged before its body: a redirect (any 3xx, or a browser's
 * `opaqueredirect`), or a `Content-Length` over {@link MAX_RESPONSE_BYTES}.
 *
 * @param response - the response, body unread
 * @returns the reason, for a message after the method and URL; `undefined` when the response may be read
 */
export function refusedResponse(response: Response): string | undefined {
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    return describeRedirect(response)
  }
  const declaredLength = response.headers.get('content-length')
  if (
    declaredLength !== null &&
    /^\d{1,20}$/.test(declaredLength) &&
    Number(declaredLength) > MAX_RESPONSE_BYTES
  ) {
    return `the response body (Content-Length ${declaredLength} bytes) ${TOO_LARGE_REASON}`
  }
  return undefined
}

/** Says that a redirect was refused, naming the target's origin (never its path, query or credentials). */
function describeRedirect(response: Response): string {
  const location = response.headers.get('location')
  let target = ''
  if (location !== null) {
    try {
      const origin = new URL(location, response.url === '' ? undefined : response.url).origin
      if (origin !== 'null') target = ` to ${origin}`
    } catch {
      // An unreadable Location: the redirect is refused all the same.
    }
  }
  const status = response.status === 0 ? '' : ` ${response.status}`
  return `the server answered with a redirect${status}${target}; requests of this client never follow redirects (check the base URL: scheme, host and path)`
}

/**
 * Lets go of a body that will not be read, so the connection is freed; a failure to cancel changes nothing.
 *
 * @param response - the response whose body is abandoned
 */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined)
}
