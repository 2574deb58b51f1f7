/**
 * OAuth2 from a command-line script: a one-shot listener on 127.0.0.1 receives the provider's redirect.
 * `npm run pb` configures a local OpenID provider as `oidc` on `users`.
 *
 *   npm run example -- oauth2-cli      # open the printed URL in a browser
 *
 * For a real provider, register `http://127.0.0.1:PORT/callback` as its redirect URL and pass that `port`.
 * EXAMPLE_FOLLOW_AUTH_URL=1 makes the script play the browser itself (the local provider needs no login).
 */
import { createAuthClient } from 'pocketbase-auth'
import { authWithOAuth2Loopback } from 'pocketbase-auth/node'
import { pocketBaseUrl, redact } from './support.js'

const auth = createAuthClient({ url: pocketBaseUrl() })

try {
  const session = await authWithOAuth2Loopback(auth, 'oidc', {
    openUrl: async (url) => {
      console.log(`Open this URL to sign in:\n  ${url}`)
      // openUrl runs beside the wait, so it may wait for the browser (as `open(url, { wait: true })` does):
      // here the script plays the browser and follows the provider's redirect back to the listener.
      if (process.env['EXAMPLE_FOLLOW_AUTH_URL'] === '1') await (await fetch(url)).body?.cancel()
    },
    timeoutMs: 120_000,
    createData: { name: 'Created through OAuth2' }, // used only when PocketBase creates a new user
  })
  console.log('signed in with OAuth2 as', session.record.email, { token: redact(session.token) })
} finally {
  auth.dispose()
}
