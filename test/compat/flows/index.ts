import type { CompatFlow } from '../flow.js'
import { dbInterfaceFlow } from './db-interface.js'
import { filesFlow } from './files.js'
import { impersonateFlow } from './impersonate.js'
import { mfaFlow } from './mfa.js'
import { oauth2Flow } from './oauth2.js'
import { otpFlow } from './otp.js'
import { passwordFlow } from './password.js'
import { realtimeFlow } from './realtime.js'
import { refreshFlow } from './refresh.js'
import { totpGateFlow } from './totp-gate.js'

/** Every flow the compatibility suite runs against each supported PocketBase version, in this order. */
export const COMPAT_FLOWS: readonly CompatFlow[] = [
  passwordFlow,
  otpFlow,
  mfaFlow,
  oauth2Flow,
  impersonateFlow,
  refreshFlow,
  dbInterfaceFlow,
  realtimeFlow,
  filesFlow,
  totpGateFlow,
]
