/**
 * What sibling entry points may do with an `AuthClient` beyond its public methods, through `kit.ts`: read its
 * resolved config, run a custom sign-in through its sign-in runner (so the session is stored and announced like
 * any other sign-in), and use its token keeper (the one path for tokens and rejected tokens).
 * @module
 */
import { lifecycleOf, type AuthClient } from './client.js'
import type { ResolvedConfig } from './config.js'
import { ConfigError } from './errors/config-error.js'
import type { FirstFactor } from './errors/mfa.js'
import type { TokenKeeper } from './lifecycle/token-keeper.js'
import type { ReceivedAuth } from './session/build-session.js'
import type { AuthSession } from './session/types.js'

function lifecycle(auth: AuthClient, caller: string): NonNullable<ReturnType<typeof lifecycleOf>> {
  const life = lifecycleOf(auth)
  if (life === undefined) {
    throw new ConfigError(
      [{ path: 'auth', message: 'must be a client from createAuthClient()' }],
      `Invalid arguments to ${caller}`,
    )
  }
  return life
}

/**
 * The resolved config of a client: its URL, collection, clock, `fetch`, time limit, logger and gate secret.
 *
 * @param auth - a client from `createAuthClient()`
 * @param caller - the public function asking, for the error message
 * @returns the frozen config
 * @throws {ConfigError} `config_invalid` (path `auth`) when `auth` is not such a client.
 */
export function clientConfig(auth: AuthClient, caller: string): ResolvedConfig {
  return lifecycle(auth, caller).config
}

/**
 * Runs a sign-in whose request the caller builds (e.g. a password sign-in that is released only after a second
 * check) through the client's sign-in runner: the later sign-in wins, an MFA answer becomes `MfaRequiredError`
 * with `mfaRequired`, and a success is stored and announced with `signedIn`.
 *
 * @param auth - the client to sign in
 * @param factor - the first factor, for `MfaRequiredError` and logs
 * @param request - sends the request with the client's config; throws synchronously for bad arguments;
 * `isCurrent()` tells, after its first await, whether this sign-in is still the latest (a step that spends
 * something, e.g. a TOTP code, checks it first)
 * @returns the new session
 * @throws {AuthError} whatever `request` throws, `mfa_required`, `aborted` (superseded), `not_authenticated`
 * (disposed).
 */
export function runSignIn(
  auth: AuthClient,
  factor: FirstFactor,
  request: (config: ResolvedConfig, isCurrent: () => boolean) => Promise<ReceivedAuth>,
): Promise<AuthSession> {
  const life = lifecycle(auth, 'runSignIn')
  return life.signIns.run(factor, (isCurrent) => request(life.config, isCurrent))
}

/**
 * The client's token keeper: `getToken(origin)`, `withToken(call)` and `recoverRejected(token)`, the one path a
 * sibling entry (realtime, files, admin calls) uses for the tokens it sends.
 *
 * @param auth - a client from `createAuthClient()`
 * @param caller - the public function asking, for the error message
 * @returns the keeper
 * @throws {ConfigError} `config_invalid` (path `auth`) when `auth` is not such a client.
 */
export function tokenKeeperOf(auth: AuthClient, caller: string): TokenKeeper {
  return lifecycle(auth, caller).keeper
}

/**
 * Stops a client's background refresh timer for good while leaving it usable: a token that is due is refreshed
 * (or, for an impersonated child with `renew`, renewed) on demand by the next call. Idempotent.
 *
 * @param auth - a client from `createAuthClient()` or `impersonate()`
 * @param caller - the public function asking, for the error message
 * @throws {ConfigError} `config_invalid` (path `auth`) when `auth` is not such a client.
 */
export function stopBackgroundRefresh(auth: AuthClient, caller: string): void {
  lifecycle(auth, caller).stopBackgroundRefresh()
}

/**
 * Runs `callback` when the client is disposed (at once if it already is), for sibling entries that keep a client
 * and must stop handing it out once its holder disposed it.
 *
 * @param auth - a client from `createAuthClient()` or `impersonate()`
 * @param caller - the public function asking, for the error message
 * @param callback - called once, synchronously inside `dispose()`
 * @returns a function that forgets the callback
 * @throws {ConfigError} `config_invalid` (path `auth`) when `auth` is not such a client.
 */
export function whenClientDisposed(auth: AuthClient, caller: string, callback: () => void): () => void {
  return lifecycle(auth, caller).whenDisposed(callback)
}
