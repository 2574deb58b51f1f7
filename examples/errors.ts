/**
 * Handling failures: every error the SDK throws is an `AuthError` with a stable `code`, and `AnyAuthError`
 * narrows on it, so a `switch` reaches each error's own fields (`fieldErrors`, `mfaId`, `retryAfterMs`…).
 *
 *   npm run example -- errors
 */
import { createAuthClient, isAuthError, type AnyAuthError } from 'pocketbase-auth'
import { pocketBaseUrl } from './support.js'

/** What to tell the user (or the log) for each code. The `never` check fails to compile if a code is missed. */
function explain(error: AnyAuthError): string {
  switch (error.code) {
    case 'config_invalid':
      return `fix the configuration: ${error.issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')}`
    case 'invalid_credentials':
      return error.reason === 'credentials'
        ? 'wrong email or password'
        : `MFA problem (${error.reason}): start over`
    case 'mfa_required':
      return `second factor needed; pass { mfaId: '${error.mfaId.slice(0, 4)}…' } to another sign-in method`
    case 'otp_invalid':
      return 'wrong or expired code'
    case 'oauth2_state_invalid':
      return 'this OAuth2 attempt is unknown or expired: start again'
    case 'oauth2_failed':
      return `the provider or PocketBase refused${error.providerError === undefined ? '' : ` (${error.providerError})`}`
    case 'not_authenticated':
      return 'sign in first'
    case 'token_expired':
      return 'the session ended: sign in again'
    case 'token_not_refreshable':
      return 'impersonation tokens cannot be refreshed: impersonate again'
    case 'refresh_failed':
      return 'the token expired and could not be refreshed (server unreachable?): retry later'
    case 'forbidden':
      return `not allowed: ${error.message}`
    case 'not_found':
      return 'no such collection, record or route'
    case 'validation_failed':
      return `invalid data: ${Object.entries(error.fieldErrors)
        .map(([field, { code }]) => `${field} (${code})`)
        .join(', ')}`
    case 'rate_limited':
      return `too many requests; wait ${error.retryAfterMs ?? 'a few seconds'}${error.retryAfterMs === undefined ? '' : ' ms'}`
    case 'network':
      return 'PocketBase is unreachable'
    case 'timeout':
      return 'PocketBase did not answer in time'
    case 'aborted':
      return 'cancelled'
    case 'server_error':
      return 'PocketBase failed; retry later'
    case 'unexpected_response':
      return 'PocketBase answered something unexpected (a proxy in between?)'
    default: {
      const unhandled: never = error
      return `unknown error ${String(unhandled)}`
    }
  }
}

/** Runs `attempt` and prints how its failure would be explained. */
async function show(what: string, attempt: () => unknown): Promise<void> {
  try {
    await attempt()
    console.log(`${what}: no error`)
  } catch (error) {
    if (!isAuthError(error)) throw error // not ours: a bug, let it crash
    console.log(`${what}: [${error.code}] ${explain(error as AnyAuthError)}`)
    // toJSON() never contains a token, password, code or response body: safe for logs.
    console.log(`  logged as ${JSON.stringify(error)}`)
  }
}

const url = pocketBaseUrl()
const auth = createAuthClient({ url })
try {
  await show('bad option', () => createAuthClient({ url, timeoutMs: -1 }))
  await show('wrong password', () => auth.authWithPassword('alice@example.com', 'not-her-password'))
  // The email identity is case-sensitive in PocketBase.
  await show('wrong-case email', () => auth.authWithPassword('ALICE@example.com', 'alice-demo-pass'))
  await show('no session', () => auth.getToken())
  await show('unknown collection', () =>
    createAuthClient({ url, collection: 'nope' }).authWithPassword('a@b.c', 'x'),
  )
  await show('server down', () =>
    createAuthClient({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }).authWithPassword('a@b.c', 'x'),
  )
} finally {
  auth.dispose()
}
