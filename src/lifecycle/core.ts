import type { ResolvedConfig } from '../config.js'
import type { AuthEventEmitter } from '../events.js'
import type { RefreshScheduler } from '../scheduler/refresh-scheduler.js'
import type { ReceivedAuth } from '../session/build-session.js'
import type { SessionState } from '../session/session-state.js'
import type { SignInRunner } from './sign-in.js'
import type { TokenKeeper } from './token-keeper.js'

/**
 * The parts of one `AuthClient`, shared by all of them through this single object: no per-part dependency
 * objects or callbacks, so a client costs little memory (a process may hold thousands). Filled in by the
 * client's constructor; read only afterwards.
 */
export interface ClientCore {
  readonly config: ResolvedConfig
  readonly events: AuthEventEmitter
  state: SessionState
  signIn: SignInRunner
  keeper: TokenKeeper
  scheduler: RefreshScheduler
  /** For impersonated children: obtains a fresh impersonation token through the parent. */
  readonly renew: (() => Promise<ReceivedAuth>) | undefined
}
