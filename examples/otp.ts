/**
 * Sign in with a one-time password sent by mail.
 *
 *   npm run pb                     # prints each mail, with its code
 *   npm run example -- otp         # asks for the code (or reads it from DEV_MAILBOX_URL)
 *
 * Note: an OTP sign-in of an *unverified* user makes PocketBase set verified=true and randomise the
 * user's password. The demo users are verified, so their passwords keep working.
 */
import { createAuthClient, isAuthError } from 'pocketbase-auth'
import { demoAccount, pocketBaseUrl, readOtpCode } from './support.js'

const auth = createAuthClient({ url: pocketBaseUrl() })
const { email } = demoAccount()

try {
  const since = Date.now()
  // Resolves the same way for an unknown email, so it reveals nothing about who has an account.
  const { otpId } = await auth.requestOTP(email)
  console.log(`OTP requested for ${email}`)

  const code = await readOtpCode(email, since)
  const session = await auth.authWithOTP(otpId, code)
  console.log('signed in with OTP as', session.record.email, 'verified:', session.record.verified)
} catch (error) {
  if (isAuthError(error)) {
    switch (error.code) {
      case 'otp_invalid':
        console.error('Wrong or expired code: request a new one.')
        break
      case 'rate_limited':
        console.error('5 attempts per 3 minutes per user: wait, then request a new code.')
        break
      case 'forbidden':
        console.error('OTP is not enabled on this collection.')
        break
    }
  }
  throw error
} finally {
  auth.dispose()
}
