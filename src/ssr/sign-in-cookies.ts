/**
 * What a sign-in that spans requests keeps in the browser, sealed: the OAuth2 attempt (state, PKCE verifier,
 * provider, redirect URL) between `startOAuth2` and the callback, the `mfaId` between the first and the second
 * factor, and the `otpId` between mailing a code and checking it. One short-lived cookie each, so no process needs
 * to remember anything between the two requests.
 * @module
 */
import type { FirstFactor, Logger, MfaRequiredError } from '../index.js'
import type { CookieAttributes } from './cookie-header.js'
import type { CookieJar } from './cookie-jar.js'
import type { KeyRing } from './keys.js'
import { open, seal, type SealPurpose } from './sealed-cookie.js'

/** An OAuth2 sign-in started in this browser, waiting for its callback. */
export interface PendingOAuth2 {
  readonly provider: string
  readonly state: string
  readonly codeVerifier: string
  readonly redirectUrl: string
}

/** A first factor that succeeded on an MFA collection, waiting for the second one. */
export interface PendingMfa {
  /** Pass to the second factor (the request's client fills it in for its own sign-in calls). */
  readonly mfaId: string
  readonly firstFactor: FirstFactor
  /** `'totp'` when the second factor is `totp.signIn(auth, { mfaId, code })`. */
  readonly secondFactor?: 'totp'
  /** When the MFA session expires, epoch ms. */
  readonly expiresAt: number
}

/** A code mailed by `requestOTP`, waiting for `authWithOTP`. */
export interface PendingOTP {
  readonly otpId: string
  /** The address the code went to. */
  readonly email: string
}

/** Lifetimes of the sign-in cookies. */
export const SIGN_IN_COOKIE_TTL_MS = Object.freeze({
  /** The same as an OAuth2 state of the core client. */
  oauth2: 10 * 60_000,
  /** When PocketBase did not say how long the MFA session lasts. */
  mfa: 10 * 60_000,
  /** Longer than PocketBase's default OTP duration (3 minutes); PocketBase decides. */
  otp: 15 * 60_000,
  /** The longest a pending MFA is kept, whatever its `expiresAt` says. */
  mfaMax: 60 * 60_000,
})

/** How the sign-in cookies are written. */
export interface SignInCookieSettings {
  /** The session cookie's name; these are `name_oauth2`, `name_mfa`, `name_otp`. */
  readonly name: string
  /** Every attribute but `maxAge` (`SameSite` is never `Strict`: the OAuth2 callback is a cross-site navigation). */
  readonly attributes: Omit<CookieAttributes, 'maxAge'>
  readonly collection: string
  readonly ring: KeyRing
  readonly now: () => number
  readonly logger: Logger
}

const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined

/** The request's sign-in cookies. */
export class SignInCookies {
  readonly #jar: CookieJar
  readonly #settings: SignInCookieSettings

  /**
   * @param jar - the request's cookies
   * @param settings - see {@link SignInCookieSettings}
   */
  constructor(jar: CookieJar, settings: SignInCookieSettings) {
    this.#jar = jar
    this.#settings = settings
  }

  /**
   * The cookie names, by purpose.
   *
   * @param purpose - which sign-in cookie
   * @returns its name
   */
  nameOf(purpose: SealPurpose): string {
    return `${this.#settings.name}_${purpose}`
  }

  /**
   * Keeps an OAuth2 attempt for its callback.
   *
   * @param pending - the attempt
   * @returns `true` when the cookie was set (`false`: this request cannot set cookies)
   */
  async keepOAuth2(pending: PendingOAuth2): Promise<boolean> {
    const { provider, state, codeVerifier, redirectUrl } = pending
    return this.#keep(
      'oauth2',
      { p: provider, s: state, v: codeVerifier, r: redirectUrl },
      SIGN_IN_COOKIE_TTL_MS.oauth2,
    )
  }

  /**
   * The OAuth2 attempt started in this browser.
   *
   * @returns the attempt, or `undefined` when there is none (expired, forged, another collection's)
   */
  async pendingOAuth2(): Promise<PendingOAuth2 | undefined> {
    const claims = await this.#open('oauth2')
    const provider = str(claims?.p)
    const state = str(claims?.s)
    const codeVerifier = str(claims?.v)
    const redirectUrl = str(claims?.r)
    if (
      provider === undefined ||
      state === undefined ||
      codeVerifier === undefined ||
      redirectUrl === undefined
    ) {
      return undefined
    }
    return { provider, state, codeVerifier, redirectUrl }
  }

  /** Deletes the OAuth2 cookie: its attempt is being completed (single use). */
  endOAuth2(): void {
    this.#jar.delete([this.nameOf('oauth2')], this.#deletion())
  }

  /** Deletes the MFA cookie: its `mfaId` is spent or dead. */
  endMfa(): void {
    this.#jar.delete([this.nameOf('mfa')], this.#deletion())
  }

  /**
   * Keeps the `mfaId` of a first factor that needs a second one.
   *
   * @param error - the first factor's `MfaRequiredError`
   * @returns `true` when the cookie was set
   */
  async keepMfa(error: MfaRequiredError): Promise<boolean> {
    const now = this.#settings.now()
    const expiresAt = error.expiresAt ?? now + SIGN_IN_COOKIE_TTL_MS.mfa
    const ttl = Math.min(Math.max(expiresAt - now, 1000), SIGN_IN_COOKIE_TTL_MS.mfaMax)
    const claims: Record<string, string | number> = { m: error.mfaId, f: error.firstFactor, e: now + ttl }
    if (error.secondFactor !== undefined) claims.x = error.secondFactor
    return this.#keep('mfa', claims, ttl)
  }

  /**
   * The pending MFA of this browser.
   *
   * @returns it, or `undefined` when there is none
   */
  async pendingMfa(): Promise<PendingMfa | undefined> {
    const claims = await this.#open('mfa')
    const mfaId = str(claims?.m)
    const firstFactor = claims?.f
    const expiresAt = claims?.e
    if (mfaId === undefined || typeof expiresAt !== 'number') return undefined
    if (firstFactor !== 'password' && firstFactor !== 'otp' && firstFactor !== 'oauth2') return undefined
    return claims?.x === 'totp'
      ? { mfaId, firstFactor, secondFactor: 'totp', expiresAt }
      : { mfaId, firstFactor, expiresAt }
  }

  /**
   * Keeps the `otpId` of a mailed code.
   *
   * @param otpId - from `requestOTP`
   * @param email - where the code went
   * @returns `true` when the cookie was set
   */
  async keepOTP(otpId: string, email: string): Promise<boolean> {
    return this.#keep('otp', { o: otpId, e: email }, SIGN_IN_COOKIE_TTL_MS.otp)
  }

  /**
   * The pending OTP of this browser.
   *
   * @returns it, or `undefined` when there is none
   */
  async pendingOTP(): Promise<PendingOTP | undefined> {
    const claims = await this.#open('otp')
    const otpId = str(claims?.o)
    const email = typeof claims?.e === 'string' ? claims.e : undefined
    return otpId === undefined || email === undefined ? undefined : { otpId, email }
  }

  /** Deletes every sign-in cookie present: a sign-in finished, or the session ended. */
  endAll(): void {
    this.#jar.delete(
      (['oauth2', 'mfa', 'otp'] as const).map((purpose) => this.nameOf(purpose)),
      this.#deletion(),
    )
  }

  async #keep(
    purpose: SealPurpose,
    claims: Record<string, string | number>,
    ttlMs: number,
  ): Promise<boolean> {
    const { ring, collection, now, attributes } = this.#settings
    const value = await seal(ring, purpose, collection, claims, now(), ttlMs)
    return this.#jar.write([
      { name: this.nameOf(purpose), value, options: { ...attributes, maxAge: Math.ceil(ttlMs / 1000) } },
    ])
  }

  async #open(purpose: SealPurpose): Promise<Record<string, unknown> | undefined> {
    const value = this.#jar.get(this.nameOf(purpose))
    if (value === undefined) return undefined
    const { ring, collection, now, logger } = this.#settings
    const claims = await open(ring, purpose, collection, value, now())
    if (claims === undefined)
      logger.info('sign-in cookie ignored: expired, changed or sealed with another secret', {
        cookie: this.nameOf(purpose),
      })
    return claims
  }

  #deletion(): CookieAttributes {
    return { ...this.#settings.attributes, maxAge: 0 }
  }
}
