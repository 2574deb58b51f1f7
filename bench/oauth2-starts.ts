/**
 * OAuth2 starts with many attempts pending: the cost of one `startOAuth2()` on a client that already holds
 * 0, 10,000 (the cap) or has seen 60,000 starts (10,000 pending, 50,000 evicted). Auth-methods come from a fake
 * `fetch` that answers like PocketBase with a fresh state and verifier each time, so the time is the client's own
 * work: request, response checks and the pending-state store.
 */
import { randomBytes } from 'node:crypto'
import { createAuthClient } from './library.js'
import { median, ms, percentile, printTable } from './stats.js'

const token = (length: number): string => randomBytes(length).toString('base64url').slice(0, length)

/** A fetch that answers every request with an auth-methods body carrying a new state and verifier. */
const authMethodsFetch: typeof fetch = async () =>
  new Response(
    JSON.stringify({
      password: { enabled: true, identityFields: ['email'] },
      oauth2: {
        enabled: true,
        providers: [
          {
            name: 'oidc',
            displayName: 'OIDC',
            state: token(30),
            authURL: 'http://idp.test/authorize?client_id=pb&redirect_uri=',
            codeVerifier: token(43),
            codeChallenge: token(43),
            codeChallengeMethod: 'S256',
          },
        ],
      },
      mfa: { enabled: false, duration: 0 },
      otp: { enabled: false, duration: 0 },
    }),
    { status: 200, headers: { 'content-type': 'application/json' } },
  )

/**
 * Times `sample` starts after `before` starts on one client (after a warm-up on another), and prints the
 * median and p99.
 *
 * @param levels - how many starts precede each measurement
 * @param sample - how many starts are timed at each level
 */
export async function runOAuth2Starts(levels: readonly number[], sample: number): Promise<void> {
  const rows: Record<string, string | number>[] = []
  const warmup = createAuthClient({ url: 'http://pb.test', fetch: authMethodsFetch, autoRefresh: false })
  for (let i = 0; i < 2_000; i++)
    await warmup.startOAuth2('oidc', { redirectUrl: 'https://app.example.com/cb' })
  warmup.dispose()
  for (const before of levels) {
    const auth = createAuthClient({ url: 'http://pb.test', fetch: authMethodsFetch, autoRefresh: false })
    const options = { redirectUrl: 'https://app.example.com/callback' }
    for (let i = 0; i < before; i++) await auth.startOAuth2('oidc', options)
    const times: number[] = []
    for (let i = 0; i < sample; i++) {
      const started = performance.now()
      await auth.startOAuth2('oidc', options)
      times.push(performance.now() - started)
    }
    auth.dispose()
    rows.push({
      'starts before': before,
      pending: Math.min(before, 10_000),
      'start p50': ms(median(times)),
      'start p99': ms(percentile(times, 99)),
    })
  }
  printTable('OAuth2 start with many attempts pending (fake fetch; one client)', rows)
}
