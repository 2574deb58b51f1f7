import type { ResolvedConfig } from '../config.js'
import { isAuthError } from '../errors/auth-error.js'
import { ConfigError } from '../errors/config-error.js'
import { NotAuthenticatedError } from '../errors/session-errors.js'
import { passwordSignIn } from '../flows/password.js'
import { isNonEmptyString } from '../narrow.js'
import type { ReceivedAuth } from '../session/build-session.js'
import type { AuthSession, PasswordCredentials } from '../session/types.js'
import type { FleetSession } from './fleet-session.js'
import { superseded, type SignInRunner } from './sign-in.js'

/**
 * Signs in through the client's `credentials` callback, single-flight: concurrent callers share one sign-in. The
 * callback is asked afresh on every sign-in, so the client never keeps a password.
 */
export class UnattendedSignIn {
  readonly #config: ResolvedConfig
  readonly #signIns: SignInRunner
  readonly #fleet: FleetSession | undefined
  #pending: Promise<AuthSession> | undefined

  /**
   * @param config - the client's resolved config (`credentials`, collection, logger, connection)
   * @param signIns - runs the password sign-in and stores its session
   * @param fleet - for a client with a `share`: signs in once for the whole fleet
   */
  constructor(config: ResolvedConfig, signIns: SignInRunner, fleet?: FleetSession) {
    this.#config = config
    this.#signIns = signIns
    this.#fleet = fleet
  }

  /**
   * Signs in, or joins the sign-in in flight. A callback that throws (or rejects) with something other than an
   * `AuthError` fails this attempt with `not_authenticated` (the error as `cause`); the next call asks again.
   *
   * @param noCredentials - the message when the client has no `credentials`
   * @returns the new session
   * @throws {NotAuthenticatedError} `not_authenticated` without `credentials`, or when the callback throws
   * something other than an `AuthError`.
   * @throws {ConfigError} `config_invalid` when the callback gives no non-empty `identity` and `password`.
   * @throws {AuthError} any code of the password sign-in, or an `AuthError` the callback threw.
   */
  run(noCredentials: string): Promise<AuthSession> {
    if (this.#pending !== undefined) return this.#pending
    const credentials = this.#config.credentials
    if (credentials === undefined) return Promise.reject(new NotAuthenticatedError(noCredentials))
    const promise: Promise<AuthSession> = Promise.resolve()
      .then(() => this.#signIn(credentials))
      .finally(() => {
        if (this.#pending === promise) this.#pending = undefined
      })
    this.#pending = promise
    return promise
  }

  /** Asks the callback, then (unless a later sign-in or `logout()` came meanwhile) sends the password sign-in. */
  #signIn(credentials: NonNullable<ResolvedConfig['credentials']>): Promise<AuthSession> {
    const { collection, logger } = this.#config
    return this.#signIns.run('password', (isCurrent) => {
      const signIn = async (): Promise<ReceivedAuth> => {
        const { identity, password } = await ask(credentials)
        // The callback may take a while (a vault): a logout() meanwhile must not be undone by this sign-in.
        if (!isCurrent()) throw superseded('credentials')
        logger.info('signing in with credentials', { collection })
        return passwordSignIn(this.#config, collection, identity, password)
      }
      // With a fleet: adopt the session another process signed in with, or sign in once for all.
      if (this.#fleet === undefined) return signIn()
      return this.#fleet.obtain((shared) => shared.expiresAt > this.#config.now(), signIn)
    })
  }
}

/** Calls the `credentials` callback and checks what it gives. */
async function ask(credentials: NonNullable<ResolvedConfig['credentials']>): Promise<PasswordCredentials> {
  let given: unknown
  try {
    given = await credentials()
  } catch (error) {
    if (isAuthError(error)) throw error
    throw new NotAuthenticatedError('the `credentials` callback failed; see `cause`', { cause: error })
  }
  const { identity, password } = (given ?? {}) as Partial<PasswordCredentials>
  if (!isNonEmptyString(identity) || !isNonEmptyString(password)) {
    throw new ConfigError(
      [{ path: 'credentials', message: 'must resolve to { identity, password } with non-empty strings' }],
      'Invalid credentials callback',
    )
  }
  return { identity, password }
}
