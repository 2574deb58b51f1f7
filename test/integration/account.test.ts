import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { configureSmtp, createUser, startSmtpSink, type SmtpSink } from '../../dev/index.js'
import {
  extractActionToken,
  startPocketBase,
  type ActionKind,
  type PocketBaseHandle,
} from '../../src/testing/index.js'
import { NotAuthenticatedError, TokenExpiredError, ValidationError } from '../../src/index.js'
import type { AuthClient, SignedOutReason } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'

const bin = pocketBaseBinaryForTests('account tests')

async function validationError(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await rejectionOf(promise)
  if (error instanceof ValidationError) return error
  throw new Error(`expected ValidationError, got ${String(error)}`)
}

describe.skipIf(bin === undefined)('account flows against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink

  const client = useClients(() => pb.url)

  /** The action token from the next matching mail to `to`. */
  async function mailedToken(to: string, subject: string, kind: ActionKind): Promise<string> {
    return extractActionToken(await sink.waitForMail({ to, subjectIncludes: subject }), kind)
  }

  /** Collects the reasons of `signedOut`. */
  function signedOutReasons(auth: AuthClient): SignedOutReason[] {
    const reasons: SignedOutReason[] = []
    auth.on('signedOut', ({ reason }) => reasons.push(reason))
    return reasons
  }

  beforeAll(async () => {
    ;[pb, sink] = await Promise.all([startPocketBase(), startSmtpSink()])
    await configureSmtp(pb, sink, { appName: 'AccountApp' })
  })

  afterAll(async () => {
    await Promise.all([pb?.stop(), sink?.stop()])
  })

  it('verifies an email with the token from the mail; the next refresh shows verified', async () => {
    const user = await createUser(pb, 'users', { verified: false })
    const auth = client()
    const session = await auth.authWithPassword(user.email, user.password)
    expect(session.record.verified).toBe(false)

    await expect(auth.requestVerification(user.email)).resolves.toBeUndefined()
    const token = await mailedToken(user.email, 'Verify', 'verification')
    await expect(auth.confirmVerification(token)).resolves.toBeUndefined()

    const refreshed = await auth.authRefresh()
    expect(refreshed.record.verified).toBe(true)
  })

  it('rejects a garbage verification token with validation_failed on token', async () => {
    const error = await validationError(client().confirmVerification('not-a-token'))
    expect(error.fieldErrors['token']).toBeDefined()
  })

  it('resets a password: mismatch and reuse fail, the old session is revoked, the new password works', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const oldSession = client()
    await oldSession.authWithPassword(user.email, user.password)
    const reasons = signedOutReasons(oldSession)
    const newPassword = `New-${randomBytes(9).toString('base64url')}`

    const auth = client()
    await expect(auth.requestPasswordReset(user.email)).resolves.toBeUndefined()
    const token = await mailedToken(user.email, 'Reset', 'password-reset')

    const mismatch = await validationError(auth.confirmPasswordReset(token, newPassword, `${newPassword}x`))
    expect(mismatch).toMatchObject({ code: 'validation_failed', status: 400 })
    expect(mismatch.fieldErrors['passwordConfirm']).toEqual({
      code: 'validation_values_mismatch',
      message: expect.any(String),
    })

    await expect(auth.confirmPasswordReset(token, newPassword, newPassword)).resolves.toBeUndefined()

    const reuse = await validationError(auth.confirmPasswordReset(token, newPassword, newPassword))
    expect(reuse.fieldErrors['token']).toMatchObject({ code: 'validation_invalid_token' })

    // The old session learns about the reset on its next server contact.
    expect(oldSession.session).not.toBeNull()
    const revoked = await rejectionOf(oldSession.authRefresh())
    expect(revoked).toBeInstanceOf(TokenExpiredError)
    expect(oldSession.session).toBeNull()
    expect(reasons).toEqual(['revoked'])

    await expect(client().authWithPassword(user.email, newPassword)).resolves.toMatchObject({
      recordId: user.id,
    })
    await expect(client().authWithPassword(user.email, user.password)).rejects.toMatchObject({
      code: 'invalid_credentials',
    })
  })

  it('requestEmailChange needs a session, and fails before any request without one', async () => {
    const fetchSpy = vi.fn(globalThis.fetch)
    const auth = client({ fetch: fetchSpy })
    await expect(auth.requestEmailChange('someone@example.com')).rejects.toBeInstanceOf(NotAuthenticatedError)
    expect(fetchSpy).not.toHaveBeenCalled()
  })

  it('changes the email: taken address and wrong password fail, new email signs in, old session revoked', async () => {
    const user = await createUser(pb, 'users', { verified: true })
    const other = await createUser(pb, 'users')
    const auth = client()
    await auth.authWithPassword(user.email, user.password)
    const reasons = signedOutReasons(auth)

    const taken = await validationError(auth.requestEmailChange(other.email))
    expect(taken.fieldErrors['newEmail']).toMatchObject({ code: 'validation_invalid_new_email' })
    expect(auth.session).not.toBeNull()

    const newEmail = `changed-${randomBytes(6).toString('hex')}@example.com`
    await expect(auth.requestEmailChange(newEmail)).resolves.toBeUndefined()
    const token = await mailedToken(newEmail, 'new email', 'email-change')

    const wrongPassword = await validationError(auth.confirmEmailChange(token, `${user.password}-wrong`))
    expect(wrongPassword.fieldErrors['password']).toMatchObject({ code: 'validation_invalid_password' })

    await expect(auth.confirmEmailChange(token, user.password)).resolves.toBeUndefined()

    const fresh = await client().authWithPassword(newEmail, user.password)
    expect(fresh).toMatchObject({ recordId: user.id, record: { email: newEmail, verified: true } })
    await expect(client().authWithPassword(user.email, user.password)).rejects.toMatchObject({
      code: 'invalid_credentials',
    })

    await expect(auth.authRefresh()).rejects.toMatchObject({ code: 'token_expired' })
    expect(auth.session).toBeNull()
    expect(reasons).toEqual(['revoked'])
  })

  it('checks account-call arguments before any request', async () => {
    const fetchSpy = vi.fn(globalThis.fetch)
    const auth = client({ fetch: fetchSpy })
    await expect(auth.requestVerification('not-an-email')).rejects.toMatchObject({ code: 'config_invalid' })
    await expect(auth.requestPasswordReset('')).rejects.toMatchObject({ code: 'config_invalid' })
    await expect(auth.confirmPasswordReset('token', '', '')).rejects.toMatchObject({ code: 'config_invalid' })
    await expect(auth.confirmEmailChange('', 'pw')).rejects.toMatchObject({ code: 'config_invalid' })
    expect(fetchSpy).not.toHaveBeenCalled()
  })
})
