import { expect } from 'vitest'
import { MfaRequiredError } from '../../../src/index.js'
import { createAdmin } from '../../../src/admin/index.js'
import { extractOtpCode } from '../../../src/testing/index.js'
import { createTotp } from '../../../src/totp/index.js'
import { codeAt, direct, newGateSecret, newKey, secretOf } from '../../totp/helpers.js'
import type { CompatFlow } from '../flow.js'

/** Its own collection: installing the gate changes `authRule`, which invalidates every token of a collection. */
const COLLECTION = 'totp_members'

/**
 * The TOTP gate on every supported line: direct password and OTP sign-ins of an enrolled user are refused, users
 * without TOTP are not, the refresh exemption (`@request.auth.id = id`) lets a token issued through the gate
 * refresh without it, enrollment's token-key rotation revokes older tokens, `signIn` works in two steps, and
 * `admin.revokeTokens` ends a record's tokens.
 */
export const totpGateFlow: CompatFlow = {
  name: 'TOTP gate: direct sign-ins of an enrolled user get 403, others pass, gated tokens refresh without the gate',
  async setup({ pb }) {
    await pb.api('POST', '/api/collections', { name: COLLECTION, type: 'auth', fields: [] })
    await pb.updateCollection(COLLECTION, { otp: { enabled: true } })
  },
  async run({ pb, client, superuser }) {
    let clock = Math.floor(Date.now() / 30_000) * 30_000 + 1_000
    const su = superuser()
    const totp = createTotp({
      superuser: su,
      collection: COLLECTION,
      issuer: 'Acme',
      key: newKey(),
      gateSecret: newGateSecret(),
      now: () => clock,
    })
    await totp.install({ invalidateAllTokens: true })
    const path = (action: string): string => `/api/collections/${COLLECTION}/${action}`
    const user = await pb.createUser({ verified: true }, { collection: COLLECTION })
    const plain = await pb.createUser({ verified: true }, { collection: COLLECTION })
    const password = { identity: user.email, password: user.password }
    const old = await direct(pb.url, path('auth-with-password'), { body: password })
    expect(old.status).toBe(200)

    const { uri } = await totp.beginEnrollment(user.id)
    const secret = secretOf(uri)
    await totp.confirmEnrollment(user.id, await codeAt(secret, clock))
    clock += 30_000

    const oldRefresh = await direct(pb.url, path('auth-refresh'), { token: String(old.body['token']) })
    const directPassword = await direct(pb.url, path('auth-with-password'), { body: password })
    const plainPassword = await direct(pb.url, path('auth-with-password'), {
      body: { identity: plain.email, password: plain.password },
    })
    const otp = await direct(pb.url, path('request-otp'), { body: { email: user.email } })
    const otpCode = extractOtpCode(await pb.mail.next(user.email))
    const directOtp = await direct(pb.url, path('auth-with-otp'), {
      body: { otpId: otp.body['otpId'], password: otpCode },
    })
    expect({ oldRefresh, directPassword, plainPassword, directOtp }).toMatchObject({
      oldRefresh: { status: 401 },
      directPassword: { status: 403 },
      plainPassword: { status: 200 },
      directOtp: { status: 403 },
    })

    const auth = client({ collection: COLLECTION })
    const pending = await totp.signIn(auth, password).catch((error: unknown) => error)
    expect(pending).toBeInstanceOf(MfaRequiredError)
    const session = await totp.signIn(auth, {
      mfaId: (pending as MfaRequiredError).mfaId,
      code: await codeAt(secret, clock),
    })
    expect(session.recordId).toBe(user.id)
    expect((await direct(pb.url, path('auth-refresh'), { token: session.token })).status).toBe(200)
    await expect(auth.authRefresh()).resolves.toMatchObject({ recordId: user.id })

    await createAdmin(su).revokeTokens(user.id, { collection: COLLECTION })
    expect((await direct(pb.url, path('auth-refresh'), { token: session.token })).status).toBe(401)
  },
}
