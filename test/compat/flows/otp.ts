import { expect } from 'vitest'
import { OTPInvalidError } from '../../../src/index.js'
import { extractOtpCode } from '../../../src/testing/index.js'
import type { CompatFlow } from '../flow.js'

/** A code of the same length that is not `code`. */
const wrongCode = (code: string): string => (code.startsWith('0') ? '1' : '0').repeat(code.length)

export const otpFlow: CompatFlow = {
  name: 'OTP: the code mailed through the real SMTP sink signs in; a wrong code is otp_invalid',
  async setup({ pb }) {
    await pb.updateCollection('users', { otp: { enabled: true } })
  },
  async run({ pb, client }) {
    const user = await pb.createUser({ verified: true })
    const auth = client()

    const { otpId } = await auth.requestOTP(user.email)
    const code = extractOtpCode(await pb.mail.next(user.email))
    const wrong = await auth.authWithOTP(otpId, wrongCode(code)).catch((error: unknown) => error)
    const session = await auth.authWithOTP(otpId, code)

    expect(wrong).toBeInstanceOf(OTPInvalidError)
    expect(session).toMatchObject({ recordId: user.id, collectionName: 'users' })
    expect(auth.isAuthenticated).toBe(true)
  },
}
