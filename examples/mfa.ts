/**
 * Multi-factor sign-in: a password first, then an OTP, on the `staff` collection (MFA on in `npm run pb`).
 *
 *   npm run example -- mfa
 */
import { createAuthClient, MfaRequiredError } from 'pocketbase-auth'
import { demoAccount, pocketBaseUrl, readOtpCode } from './support.js'

const auth = createAuthClient({ url: pocketBaseUrl(), collection: 'staff' })
const { email, password } = demoAccount('carol')

auth.on('mfaRequired', ({ firstFactor }) => console.log(`event mfaRequired after ${firstFactor}`))

try {
  try {
    await auth.authWithPassword(email, password)
    console.log('signed in with one factor: MFA is off for this collection or user')
  } catch (error) {
    if (!(error instanceof MfaRequiredError)) throw error
    // The first factor was right; PocketBase wants another method within the MFA window.
    const expires = error.expiresAt === undefined ? 'unknown' : new Date(error.expiresAt).toISOString()
    console.log(`password accepted, second factor needed (MFA session expires ${expires})`)

    const since = Date.now()
    const { otpId } = await auth.requestOTP(email)
    const code = await readOtpCode(email, since)
    const session = await auth.authWithOTP(otpId, code, { mfaId: error.mfaId })
    console.log('signed in with password + OTP as', session.record.email)
  }
} finally {
  auth.dispose()
}
