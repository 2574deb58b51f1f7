import { expect } from 'vitest'
import { createAuthCollection } from '../../../dev/index.js'
import { MfaRequiredError } from '../../../src/index.js'
import { extractOtpCode } from '../../../src/testing/index.js'
import type { CompatFlow } from '../flow.js'

const COLLECTION = 'compat_mfa_users'

export const mfaFlow: CompatFlow = {
  name: 'MFA: a password sign-in throws mfa_required; an OTP with that mfaId completes it',
  async setup({ pb }) {
    await createAuthCollection(pb, COLLECTION)
    await pb.updateCollection(COLLECTION, { otp: { enabled: true }, mfa: { enabled: true } })
  },
  async run({ pb, client }) {
    const user = await pb.createUser({ verified: true }, { collection: COLLECTION })
    const auth = client({ collection: COLLECTION })
    const required: string[] = []
    auth.on('mfaRequired', (event) => required.push(event.firstFactor))

    const first = await auth.authWithPassword(user.email, user.password).catch((error: unknown) => error)
    expect(first).toBeInstanceOf(MfaRequiredError)
    const { mfaId } = first as MfaRequiredError
    expect(mfaId).toMatch(/^\w+$/)
    expect(auth.isAuthenticated).toBe(false)

    const { otpId } = await auth.requestOTP(user.email)
    const code = extractOtpCode(await pb.mail.next(user.email))
    const session = await auth.authWithOTP(otpId, code, { mfaId })

    expect(session).toMatchObject({ recordId: user.id, collectionName: COLLECTION })
    expect(required).toEqual(['password'])
  },
}
