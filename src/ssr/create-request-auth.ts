/**
 * `createRequestAuth`, built once per HMAC implementation: the entry's default export condition signs cookies with
 * the HMAC of `@noble/hashes` (plain JavaScript), its `node` condition with `node:crypto`. Both write and read
 * the same cookies.
 * @module
 */
import { CookieJar } from './cookie-jar.js'
import type { HmacSha256 } from './hmac-sha256.js'
import { resolveRequestOptions, type RequestAuthOptions } from './options.js'
import { RequestAuthClient } from './request-auth-client.js'
import { sharingRefreshes } from './shared-refresh.js'
import { CookieSessionStore } from './session-store.js'
import { SignInCookies } from './sign-in-cookies.js'
import type { Logger } from '../index.js'
import { DEFAULTS } from '../kit.js'

/** The signature of `createRequestAuth`. */
export type CreateRequestAuth = (options: RequestAuthOptions) => RequestAuthClient

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * Builds `createRequestAuth` on an HMAC implementation.
 *
 * @param hmac - signs and checks the session cookie, and derives the keys
 * @returns the factory
 */
export function requestAuthFactory(hmac: HmacSha256): CreateRequestAuth {
  return (options) => {
    const resolved = resolveRequestOptions(options, hmac)
    const { client, cookieName, attributes, ring } = resolved
    const logger = client.logger ?? silent
    const now = client.now ?? Date.now
    const collection = client.collection ?? DEFAULTS.collection
    const jar = new CookieJar(resolved.cookies, logger)
    const store = new CookieSessionStore(jar, {
      name: cookieName,
      attributes,
      maxChunks: resolved.maxChunks,
      collection,
      now,
      ring,
      hmac,
      logger,
    })
    const signIns = new SignInCookies(jar, {
      name: cookieName,
      // The OAuth2 callback is a cross-site navigation: a Strict cookie would not come back with it.
      attributes: attributes.sameSite === 'strict' ? { ...attributes, sameSite: 'lax' } : attributes,
      collection,
      ring,
      now,
      logger,
    })
    return new RequestAuthClient(
      {
        ...client,
        autoRefresh: false,
        store,
        fetch: sharingRefreshes(client.fetch, client.timeoutMs ?? DEFAULTS.timeoutMs),
      },
      { jar, store, signIns, refreshAfterShare: resolved.refreshAfterShare, now, logger },
    )
  }
}
