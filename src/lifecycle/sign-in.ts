import type { ResolvedConfig } from '../config.js'
import type { AuthError } from '../errors/auth-error.js'
import { MfaRequiredError, type FirstFactor } from '../errors/mfa.js'
import { AbortedError } from '../errors/transport.js'
import type { AuthEventEmitter } from '../events.js'
import { fetchAuthMethods } from '../flows/auth-methods.js'
import { readOAuth2Meta, type OAuth2AuthSession } from '../flows/oauth2-meta.js'
import type { ReceivedAuth } from '../session/build-session.js'
import type { SessionState } from '../session/session-state.js'
import type { AuthSession } from '../session/types.js'
import type { SessionFactory } from './session-factory.js'

/**
 * Runs one sign-in flow and applies its result: the later call wins (an earlier one that finishes last is
 * discarded with `aborted`), MFA answers become an `MfaRequiredError` with `expiresAt` and an `mfaRequired`
 * event, and a success becomes the session with a `signedIn` event.
 */
export class SignInRunner {
  readonly #config: ResolvedConfig
  readonly #state: SessionState
  readonly #sessions: SessionFactory
  readonly #events: AuthEventEmitter
  #mfaDurationSeconds: number | undefined

  /**
   * @param config - the client's resolved config (collection, clock, logger, connection)
   * @param state - where a successful sign-in is stored
   * @param sessions - turns the sign-in's response into a session
   * @param events - where `mfaRequired` is emitted
   */
  constructor(
    config: ResolvedConfig,
    state: SessionState,
    sessions: SessionFactory,
    events: AuthEventEmitter,
  ) {
    this.#config = config
    this.#state = state
    this.#sessions = sessions
    this.#events = events
  }

  /**
   * Remembers the MFA duration from an auth-methods answer, for `MfaRequiredError.expiresAt`.
   *
   * @param seconds - the MFA duration in seconds; `undefined` when MFA is disabled
   */
  rememberMfaDuration(seconds: number | undefined): void {
    this.#mfaDurationSeconds = seconds
  }

  /**
   * Runs a sign-in. `request` checks its arguments synchronously before it sends anything, so a call with bad
   * arguments fails without superseding a sign-in that is already in flight. A request that waits for something
   * before it sends (the `credentials` callback) asks `isCurrent()` first: after a later sign-in or `logout()` it
   * must send nothing.
   *
   * @param factor - the flow's method, for `MfaRequiredError` and logs
   * @param request - starts the flow's request; throws synchronously for bad arguments; `isCurrent()` tells
   * whether this sign-in is still the latest
   * @returns the new session, stored and announced with `signedIn`
   * @throws {MfaRequiredError} `mfa_required`, with `expiresAt` when the MFA duration is known; emits
   * `mfaRequired`.
   * @throws {AbortedError} `aborted` when a later sign-in or `logout()` superseded this one (also while the MFA
   * duration was being looked up; then no `mfaRequired` is emitted).
   */
  async run(
    factor: FirstFactor,
    request: (isCurrent: () => boolean) => Promise<ReceivedAuth>,
  ): Promise<AuthSession> {
    const state = this.#state
    // Assigned right after `request` starts; `isCurrent` is only called after the request's first await.
    let intent = 0
    let pending: Promise<ReceivedAuth>
    try {
      pending = request(() => intent !== 0 && state.isLatestSignIn(intent))
    } catch (error) {
      this.#logFailure(factor, error)
      throw error
    }
    intent = state.beginSignIn()
    let received: ReceivedAuth
    try {
      received = await pending
    } catch (error) {
      if (error instanceof MfaRequiredError) throw await this.#mfaRequired(error, factor, intent)
      this.#logFailure(factor, error)
      throw error
    }
    if (!state.isLatestSignIn(intent)) throw superseded(factor)
    const session = this.#sessions.build(received)
    state.apply(session, 'signedIn')
    return session
  }

  /**
   * Runs an OAuth2 sign-in; resolves with the session plus the provider `meta` (never stored).
   *
   * @param request - starts the OAuth2 exchange; throws synchronously for bad arguments
   * @returns the new session plus the provider's `meta`
   * @throws {AuthError} as `run`.
   */
  async runOAuth2(request: () => Promise<ReceivedAuth>): Promise<OAuth2AuthSession> {
    let meta: unknown
    const session = await this.run('oauth2', () =>
      request().then((received) => {
        meta = received.body.meta
        return received
      }),
    )
    return Object.freeze({ ...session, meta: readOAuth2Meta(meta) })
  }

  /**
   * The `MfaRequiredError` to throw, with `expiresAt`, and the `mfaRequired` event; or `aborted` (no event) for an
   * attempt that a later sign-in or `logout()` replaced, also while the MFA duration was being looked up.
   */
  async #mfaRequired(error: MfaRequiredError, factor: FirstFactor, intent: number): Promise<AuthError> {
    const config = this.#config
    if (!this.#state.isLatestSignIn(intent)) return superseded(factor, error)
    // A second factor of another entry (totp) sets its own expiry; PocketBase's comes from auth-methods.
    const duration =
      error.expiresAt === undefined
        ? (this.#mfaDurationSeconds ?? (await this.#lookUpMfaDuration()))
        : undefined
    if (!this.#state.isLatestSignIn(intent)) return superseded(factor, error)
    const expiresAt = error.expiresAt ?? (duration === undefined ? undefined : config.now() + duration * 1000)
    const enriched = new MfaRequiredError(error.mfaId, factor, expiresAt, {
      exchange: error.exchange,
      secondFactor: error.secondFactor,
    })
    config.logger.info('MFA required', { collection: config.collection, firstFactor: factor })
    this.#events.emit('mfaRequired', { mfaId: enriched.mfaId, expiresAt, firstFactor: factor })
    return enriched
  }

  /** Best effort: a failed auth-methods request only leaves `expiresAt` unset. */
  async #lookUpMfaDuration(): Promise<number | undefined> {
    try {
      const { mfa } = await fetchAuthMethods(this.#config, this.#config.collection)
      this.#mfaDurationSeconds = mfa.enabled ? mfa.durationSeconds : undefined
      return this.#mfaDurationSeconds
    } catch (error) {
      this.#logFailure('auth-methods', error)
      return undefined
    }
  }

  #logFailure(step: string, error: unknown): void {
    const code = (error as Partial<AuthError> | undefined)?.code ?? 'unknown'
    this.#config.logger.warn('sign-in failed', {
      collection: this.#config.collection,
      factor: step,
      code,
    })
  }
}

/**
 * The error of a sign-in that a later sign-in or `logout()` replaced while it ran.
 *
 * @param kind - which sign-in: its first factor, or `credentials` for an unattended one
 * @param cause - what it failed with meanwhile, if anything
 * @returns `aborted`, saying so
 */
export function superseded(kind: FirstFactor | 'credentials', cause?: unknown): AbortedError {
  return new AbortedError(
    `${kind} sign-in discarded: a later sign-in or logout() superseded it`,
    cause === undefined ? {} : { cause },
  )
}
