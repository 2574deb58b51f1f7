/**
 * `npm run example:web`: the example web app against a throwaway PocketBase with demo users, an SMTP sink (each
 * code is printed here) and a local OpenID provider. Open the printed URL, sign in, and watch the cookies in your
 * browser's developer tools. Ctrl+C stops everything.
 */
import { randomBytes } from 'node:crypto'
import { createUser, enableMfa } from '../../dev/index.js'
import { DEMO_ACCOUNTS, DEMO_OIDC_USER, startDevEnvironment } from '../../scripts/dev-environment.js'
import { serveWebApp } from './serve.js'

const MFA_USER = { email: 'erin.mfa@example.com', password: 'erin-demo-pass', name: 'Erin (MFA)' }

const dev = await startDevEnvironment({
  mailboxPort: false,
  onMail: (mail) =>
    console.log(
      `  mail to ${mail.to.join(', ')}: ${mail.code === undefined ? mail.subject : `code ${mail.code}`}`,
    ),
})
// MFA for users whose email contains "mfa": a password, then a code from the mail.
await enableMfa(dev.pb, 'users', { rule: "email ~ 'mfa'" })
await createUser(dev.pb, 'users', { ...MFA_USER, verified: true })

const web = await serveWebApp({
  pocketBaseUrl: dev.pb.url,
  secret: process.env.POCKETBASE_COOKIE_SECRET ?? randomBytes(32).toString('base64'),
  port: Number(process.env.PORT ?? 3000),
})
const { alice } = DEMO_ACCOUNTS
console.log(`
pocketbase-auth web example: ${web.url}
  PocketBase ${dev.pb.url} (admin UI ${dev.pb.url}/_/ as ${dev.pb.superuser.email} / ${dev.pb.superuser.password})
  password:  ${alice.email} / ${alice.password}
  MFA:       ${MFA_USER.email} / ${MFA_USER.password}, then the code printed below
  OTP:       any demo address; the code is printed below
  OpenID:    signs in as ${DEMO_OIDC_USER.email}
Ctrl+C to stop.
`)

const stop = async (): Promise<void> => {
  await web.close()
  await dev.stop()
  process.exit(0)
}
process.once('SIGINT', () => void stop())
process.once('SIGTERM', () => void stop())
