import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { configureSmtp, createUser, enableOtp, startSmtpSink, type SmtpSink } from '../../dev/index.js'
import { extractOtpCode, startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  ForbiddenError,
  InvalidCredentialsError,
  OTPInvalidError,
  RateLimitedError,
  createAuthClient,
} from '../../src/index.js'
import type { AuthClient, AuthSession } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'

const bin = pocketBaseBinaryForTests('otp tests')

describe.skipIf(bin === undefined)('OTP sign-in against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  const clients: AuthClient[] = []

  function client(): AuthClient {
    const auth = createAuthClient({ url: pb.url, autoRefresh: false })
    clients.push(auth)
    return auth
  }

  /** Requests an OTP through the SDK and reads the code from the mail PocketBase sent. */
  async function requestCode(auth: AuthClient, email: string): Promise<{ otpId: string; code: string }> {
    const { otpId } = await auth.requestOTP(email)
    const mail = await sink.waitForMail({ to: email, subjectIncludes: 'Code' })
    return { otpId, code: extractOtpCode(mail) }
  }

  /**
   * PocketBase records an OTP as sent (`sentTo`) only after the SMTP transaction, a moment after the sink has
   * the mail; the verified flag and the password wipe depend on it, so wait for it.
   */
  async function waitUntilOtpMarkedSent(otpId: string): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const otp = await pb.api<{ sentTo: string }>('GET', `/api/collections/_otps/records/${otpId}`)
      if (otp.sentTo !== '') return
      await sleep(50)
    }
    throw new Error(`OTP ${otpId} was never marked as sent`)
  }

  /** A 6-digit code that is not `code`. */
  const wrong = (code: string): string => (code === '000000' ? '111111' : '000000')

  beforeAll(async () => {
    ;[pb, sink] = await Promise.all([startPocketBase(), startSmtpSink()])
    await configureSmtp(pb, sink)
    await enableOtp(pb, 'users', { length: 6 })
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
  })

  afterAll(async () => {
    await Promise.all([pb?.stop(), sink?.stop()])
  })

  it('signs in with the code from the mail', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const signedIn: AuthSession[] = []
    auth.on('signedIn', (session) => signedIn.push(session))

    const { otpId, code } = await requestCode(auth, user.email)
    expect(otpId).toMatch(/^\w{15}$/)
    const session = await auth.authWithOTP(otpId, code)
    expect(session).toMatchObject({ recordId: user.id, collectionName: 'users', refreshable: true })
    expect(session.record.email).toBe(user.email)
    expect(auth.isAuthenticated).toBe(true)
    expect(signedIn).toEqual([session])
  })

  it('rejects a wrong code with otp_invalid, and the right code still works afterwards', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    const error = await rejectionOf(auth.authWithOTP(otpId, wrong(code)))
    expect(error).toBeInstanceOf(OTPInvalidError)
    expect(error).toMatchObject({ code: 'otp_invalid', status: 400 })
    expect(auth.session).toBeNull()
    await expect(auth.authWithOTP(otpId, code)).resolves.toMatchObject({ recordId: user.id })
  })

  it('rejects a reused OTP with otp_invalid', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    await auth.authWithOTP(otpId, code)
    await expect(client().authWithOTP(otpId, code)).rejects.toMatchObject({ code: 'otp_invalid' })
  })

  it('answers an unknown email like a known one, and its fake otpId is otp_invalid', async () => {
    const known = await createUser(pb, 'users', { verified: true })
    const unknownEmail = `nobody-${Date.now()}@example.com`
    const auth = client()

    const forKnown = await auth.requestOTP(known.email)
    const forUnknown = await auth.requestOTP(unknownEmail)
    expect(Object.keys(forUnknown)).toEqual(Object.keys(forKnown))
    expect(forUnknown.otpId).toMatch(/^\w{15}$/)
    expect(forKnown.otpId).toMatch(/^\w{15}$/)

    await sink.waitForMail({ to: known.email, subjectIncludes: 'Code' })
    await expect(auth.authWithOTP(forUnknown.otpId, '123456')).rejects.toBeInstanceOf(OTPInvalidError)
    await expect(auth.authWithOTP('fakeotpid123456', '123456')).rejects.toMatchObject({
      code: 'otp_invalid',
    })
    expect(sink.mails.some((mail) => mail.to.includes(unknownEmail))).toBe(false)
  })

  it('hits PocketBase’s 5-attempt limit: rate_limited, even for a new OTP with the right code', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect(auth.authWithOTP(otpId, wrong(code))).rejects.toMatchObject({ code: 'otp_invalid' })
    }
    const limited = await rejectionOf(auth.authWithOTP(otpId, code))
    expect(limited).toBeInstanceOf(RateLimitedError)
    expect(limited).toMatchObject({ code: 'rate_limited', status: 429 })

    const fresh = await requestCode(auth, user.email)
    await expect(auth.authWithOTP(fresh.otpId, fresh.code)).rejects.toMatchObject({ code: 'rate_limited' })
    expect(auth.session).toBeNull()
  })

  it('documents the trap: an OTP login of an unverified user verifies it and wipes its password', async () => {
    const user = await createUser(pb, 'users', { verified: false })
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    await waitUntilOtpMarkedSent(otpId)
    const session = await auth.authWithOTP(otpId, code)
    expect(session.recordId).toBe(user.id)
    const stored = await pb.api<{ verified: boolean }>('GET', `/api/collections/users/records/${user.id}`)
    expect(stored.verified).toBe(true)
    expect((await auth.authRefresh()).record.verified).toBe(true)

    const error = await rejectionOf(client().authWithPassword(user.email, user.password))
    expect(error).toBeInstanceOf(InvalidCredentialsError)
    expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'credentials' })
  })

  it('keeps the password of an already verified user after an OTP login', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    await waitUntilOtpMarkedSent(otpId)
    await auth.authWithOTP(otpId, code)
    await expect(client().authWithPassword(user.email, user.password)).resolves.toMatchObject({
      recordId: user.id,
    })
  })

  it('rejects a blank otpId or code and a malformed email before any request', async () => {
    const auth = client()
    await expect(auth.authWithOTP('', '123456')).rejects.toMatchObject({ code: 'config_invalid' })
    await expect(auth.authWithOTP('fakeotpid123456', ' ')).rejects.toMatchObject({ code: 'config_invalid' })
    await expect(auth.requestOTP('not-an-email')).rejects.toMatchObject({ code: 'config_invalid' })
  })

  describe('with OTP disabled on users', () => {
    beforeAll(async () => {
      await pb.api('PATCH', '/api/collections/users', { otp: { enabled: false } })
    })

    afterAll(async () => {
      await enableOtp(pb, 'users', { length: 6 })
    })

    it('maps requestOTP and authWithOTP to forbidden, naming the collection', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const auth = client()
      const calls = [() => auth.requestOTP(user.email), () => auth.authWithOTP('fakeotpid123456', '123456')]
      for (const call of calls) {
        const error = await rejectionOf(call())
        expect(error).toBeInstanceOf(ForbiddenError)
        expect(error).toMatchObject({ code: 'forbidden', status: 403 })
        expect((error as Error).message).toContain('OTP authentication is not enabled on collection "users"')
      }
    })
  })
})
