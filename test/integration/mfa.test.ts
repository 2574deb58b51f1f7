import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  configureSmtp,
  createAuthCollection,
  createUser,
  enableMfa,
  enableOtp,
  startSmtpSink,
  type CreatedUser,
  type SmtpSink,
} from '../../dev/index.js'
import { extractOtpCode, startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { InvalidCredentialsError, MfaRequiredError } from '../../src/index.js'
import type { AuthClient, MfaRequiredEvent } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'

const bin = pocketBaseBinaryForTests('mfa tests')

const MFA_DURATION_SECONDS = 600

async function mfaRequired(promise: Promise<unknown>): Promise<MfaRequiredError> {
  const error = await rejectionOf(promise)
  if (error instanceof MfaRequiredError) return error
  throw new Error(`expected MfaRequiredError, got ${String(error)}`)
}

describe.skipIf(bin === undefined)('MFA against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink

  const client = useClients(() => pb.url)

  async function requestCode(auth: AuthClient, email: string): Promise<{ otpId: string; code: string }> {
    const { otpId } = await auth.requestOTP(email)
    const mail = await sink.waitForMail({ to: email, subjectIncludes: 'Code' })
    return { otpId, code: extractOtpCode(mail) }
  }

  const verifiedUser = (collection = 'users'): Promise<CreatedUser> =>
    createUser(pb, collection, { verified: true })

  beforeAll(async () => {
    ;[pb, sink] = await Promise.all([startPocketBase(), startSmtpSink()])
    await configureSmtp(pb, sink)
    await enableOtp(pb, 'users')
    await enableMfa(pb, 'users', { duration: MFA_DURATION_SECONDS })
    await createAuthCollection(pb, 'staff')
    await enableOtp(pb, 'staff')
    await enableMfa(pb, 'staff', { rule: "email ~ 'alice'" })
  })

  afterAll(async () => {
    await Promise.all([pb?.stop(), sink?.stop()])
  })

  it('password first: MfaRequiredError + mfaRequired event, then OTP with { mfaId } signs in', async () => {
    const user = await verifiedUser()
    const auth = client()
    const events: string[] = []
    const mfaEvents: MfaRequiredEvent[] = []
    auth.on('mfaRequired', (event) => {
      events.push('mfaRequired')
      mfaEvents.push(event)
    })
    auth.on('signedIn', () => events.push('signedIn'))

    const before = Date.now()
    const error = await mfaRequired(auth.authWithPassword(user.email, user.password))
    const after = Date.now()
    expect(error).toMatchObject({ code: 'mfa_required', status: 401, firstFactor: 'password' })
    expect(error.mfaId).toMatch(/^\w{15}$/)
    expect(error.expiresAt).toBeGreaterThanOrEqual(before + MFA_DURATION_SECONDS * 1000)
    expect(error.expiresAt).toBeLessThanOrEqual(after + MFA_DURATION_SECONDS * 1000)
    expect(mfaEvents).toEqual([{ mfaId: error.mfaId, expiresAt: error.expiresAt, firstFactor: 'password' }])
    expect(auth.session).toBeNull()

    const { otpId, code } = await requestCode(auth, user.email)
    const session = await auth.authWithOTP(otpId, code, { mfaId: error.mfaId })
    expect(session).toMatchObject({ recordId: user.id, refreshable: true })
    expect(auth.isAuthenticated).toBe(true)
    expect(events).toEqual(['mfaRequired', 'signedIn'])
  })

  it('OTP first, then password with { mfaId }, also signs in', async () => {
    const user = await verifiedUser()
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    const error = await mfaRequired(auth.authWithOTP(otpId, code))
    expect(error.firstFactor).toBe('otp')
    const session = await auth.authWithPassword(user.email, user.password, { mfaId: error.mfaId })
    expect(session.recordId).toBe(user.id)
  })

  it('the same method twice is invalid_credentials with reason mfa_same_method', async () => {
    const user = await verifiedUser()
    const auth = client()
    const { mfaId } = await mfaRequired(auth.authWithPassword(user.email, user.password))
    const error = await rejectionOf(auth.authWithPassword(user.email, user.password, { mfaId }))
    expect(error).toBeInstanceOf(InvalidCredentialsError)
    expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_same_method', status: 400 })
    expect(auth.session).toBeNull()
  })

  it('a reused mfaId is mfa_session_invalid', async () => {
    const user = await verifiedUser()
    const auth = client()
    const { mfaId } = await mfaRequired(auth.authWithPassword(user.email, user.password))
    const first = await requestCode(auth, user.email)
    await auth.authWithOTP(first.otpId, first.code, { mfaId })

    const second = await requestCode(auth, user.email)
    const error = await rejectionOf(client().authWithOTP(second.otpId, second.code, { mfaId }))
    expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_session_invalid' })
  })

  it('an mfaId of another record is mfa_session_mismatch', async () => {
    const [alice, bob] = await Promise.all([verifiedUser(), verifiedUser()])
    const { mfaId } = await mfaRequired(client().authWithPassword(alice.email, alice.password))
    const auth = client()
    const { otpId, code } = await requestCode(auth, bob.email)
    const error = await rejectionOf(auth.authWithOTP(otpId, code, { mfaId }))
    expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_session_mismatch' })
    expect(auth.session).toBeNull()
  })

  it('a garbage mfaId is mfa_session_invalid', async () => {
    const user = await verifiedUser()
    const auth = client()
    const { otpId, code } = await requestCode(auth, user.email)
    const mfaId = randomBytes(8).toString('hex').slice(0, 15)
    const error = await rejectionOf(auth.authWithOTP(otpId, code, { mfaId }))
    expect(error).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_session_invalid' })
  })

  it('mfa.rule limits MFA to matching records', async () => {
    const suffix = randomBytes(4).toString('hex')
    const alice = await createUser(pb, 'staff', { email: `alice-${suffix}@example.com`, verified: true })
    const bob = await createUser(pb, 'staff', { email: `bob-${suffix}@example.com`, verified: true })
    const auth = client({ collection: 'staff' })

    const error = await mfaRequired(auth.authWithPassword(alice.email, alice.password))
    expect(error.firstFactor).toBe('password')
    expect(auth.session).toBeNull()

    const session = await auth.authWithPassword(bob.email, bob.password)
    expect(session.recordId).toBe(bob.id)
  })
})
