/**
 * TOTP (authenticator apps) as a second factor that PocketBase itself enforces, on a demo collection `totp_demo`
 * of the `npm run pb` server (a rule change invalidates the tokens of its collection, so the demo keeps to its
 * own). The script plays the authenticator app with otplib; in your app the user types the code.
 *
 *   POCKETBASE_URL and the superuser variables (`cp .env.example .env` fits `npm run pb`), then:
 *   npm run example -- totp
 *
 * POCKETBASE_TOTP_KEY (32 random bytes, `openssl rand -base64 32`) and POCKETBASE_TOTP_GATE (32+ URL-safe
 * characters) are made up for this run when unset. A real app keeps both fixed and secret: the key opens the
 * stored TOTP secrets, and the gate secret lets a sign-in skip TOTP.
 */
import { randomBytes } from 'node:crypto'
import { generate } from 'otplib'
import { createAuthClient, createDbInterface, MfaRequiredError } from 'pocketbase-auth'
import { createAuthClientFromEnv } from 'pocketbase-auth/node'
import { createTotp } from 'pocketbase-auth/totp'
import { pocketBaseUrl } from './support.js'

const COLLECTION = 'totp_demo'
const key = process.env['POCKETBASE_TOTP_KEY'] || randomBytes(32).toString('base64')
const gateSecret = process.env['POCKETBASE_TOTP_GATE'] || randomBytes(36).toString('base64url')

/** What an authenticator app shows for `secret` at `ms`. */
const appCode = (secret: string, ms = Date.now()): Promise<string> =>
  generate({ secret, epoch: Math.floor(ms / 1000) })

const superuser = createAuthClientFromEnv()
const db = createDbInterface(superuser)
const user = createAuthClient({ url: pocketBaseUrl(), collection: COLLECTION })
const email = `totp-${randomBytes(4).toString('hex')}@example.com`
const password = `Pw-${randomBytes(12).toString('base64url')}`
let recordId: string | undefined

try {
  const exists = await db.pb.collections
    .getFirstListItem(db.pb.filter('name = {:name}', { name: COLLECTION }))
    .then(
      () => true,
      () => false,
    )
  if (!exists) await db.pb.collections.create({ name: COLLECTION, type: 'auth', fields: [] })
  recordId = (
    await db.collection(COLLECTION).create({ email, password, passwordConfirm: password, verified: true })
  ).id

  const totp = createTotp({
    superuser,
    collection: COLLECTION,
    issuer: 'pocketbase-auth example',
    key,
    gateSecret,
  })
  const installed = await totp.install({ invalidateAllTokens: true })
  console.log(`install(): fields added [${installed.fieldsAdded.join(', ')}], authRule ${installed.rule}`)

  // Enrollment: show the QR code (or the URI) once; the user scans it and types the first code.
  const { secret, uri, qrSvg } = await totp.beginEnrollment(recordId)
  console.log(`scan ${uri.slice(0, uri.indexOf('?'))}… (QR code: ${qrSvg.length} bytes of SVG)`)
  const { recoveryCodes } = await totp.confirmEnrollment(recordId, await appCode(secret))
  console.log(`TOTP on; ${recoveryCodes.length} recovery codes to show the user once`)

  // PocketBase itself now refuses the password alone, whoever sends it:
  const bypass = await fetch(`${pocketBaseUrl()}/api/collections/${COLLECTION}/auth-with-password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity: email, password }),
  })
  console.log(`direct sign-in to PocketBase without the code: ${bypass.status}`)

  // Sign-in in two requests (two pages, or two processes): the password, then the code.
  let mfaId: string
  try {
    await totp.signIn(user, { identity: email, password })
    throw new Error('expected mfa_required')
  } catch (error) {
    if (!(error instanceof MfaRequiredError) || error.secondFactor !== 'totp') throw error
    mfaId = error.mfaId
    console.log(`password accepted; TOTP code needed before ${new Date(error.expiresAt ?? 0).toISOString()}`)
  }
  // The enrollment used this 30-second step's code; an app whose clock runs a step ahead is accepted too.
  const session = await totp.signIn(user, { mfaId, code: await appCode(secret, Date.now() + 30_000) })
  console.log(`signed in as ${session.record['email'] as string}; the client refreshes without the gate:`)
  await user.authRefresh()
  console.log(`refreshed, token valid until ${new Date(user.session?.expiresAt ?? 0).toISOString()}`)

  const { recoveryCodesLeft } = await totp.verify(recordId, recoveryCodes[0] ?? '')
  console.log(`a recovery code works once; ${recoveryCodesLeft} left`)
} finally {
  if (recordId !== undefined) await db.collection(COLLECTION).delete(recordId)
  user.dispose()
  superuser.dispose()
}
