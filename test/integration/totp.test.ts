import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  configureOidc,
  configureSmtp,
  createAuthCollection,
  createUser,
  enableOtp,
  followAuthorize,
  startOidcProvider,
  startSmtpSink,
} from '../../dev/index.js'
import type { CreatedUser, OidcProvider, SmtpSink } from '../../dev/index.js'
import { extractOtpCode, startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { ConfigError, createAuthClient, MfaRequiredError, type AuthClient } from '../../src/index.js'
import { createTotp, type Totp } from '../../src/totp/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'
import { useClients } from '../helpers/clients.js'
import {
  capturingLogger,
  codeAt,
  decodeQrSvg,
  direct,
  newGateSecret,
  newKey,
  secretOf,
} from '../totp/helpers.js'

const bin = pocketBaseBinaryForTests('TOTP tests')

const newOidcUser = (): { sub: string; email: string; email_verified: boolean; name: string } => {
  const id = randomBytes(4).toString('hex')
  return { sub: `sub-${id}`, email: `oidc-${id}@example.com`, email_verified: true, name: `OIDC ${id}` }
}
const STEP_MS = 30_000

describe.skipIf(bin === undefined)('TOTP against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  let oidc: OidcProvider
  let superuser: AuthClient
  let totp: Totp
  const key = newKey()
  const gateSecret = newGateSecret()
  const log = capturingLogger()
  // The injected clock: every TOTP step, expiry and failure window is read from it.
  let clock = Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000
  const now = (): number => clock
  const client = useClients(() => pb.url)
  const secrets: string[] = [gateSecret, key]

  const makeTotp = (options: Partial<Parameters<typeof createTotp>[0]> = {}): Totp =>
    createTotp({ superuser, issuer: 'Acme', key, gateSecret, now, ...options })

  /** A verified user with TOTP on; returns the user, the base32 secret and the recovery codes. */
  async function enrolledUser(): Promise<{
    user: CreatedUser
    secret: string
    recoveryCodes: readonly string[]
  }> {
    const user = await createUser(pb, 'users', { verified: true })
    const { uri } = await totp.beginEnrollment(user.id)
    const secret = secretOf(uri)
    const { recoveryCodes } = await totp.confirmEnrollment(user.id, await codeAt(secret, clock))
    clock += STEP_MS // the next code is a new step
    secrets.push(secret, ...recoveryCodes)
    return { user, secret, recoveryCodes }
  }

  beforeAll(async () => {
    ;[pb, sink, oidc] = await Promise.all([startPocketBase(), startSmtpSink(), startOidcProvider()])
    await configureSmtp(pb, sink)
    await enableOtp(pb, 'users')
    await configureOidc(pb, 'users', oidc)
    superuser = createAuthClient({
      url: pb.url,
      collection: '_superusers',
      autoRefresh: false,
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
      logger: log.logger,
    })
    totp = makeTotp()
    await totp.install({ invalidateAllTokens: true })
  })

  afterAll(async () => {
    superuser?.dispose()
    await Promise.all([pb?.stop(), sink?.stop(), oidc?.stop()])
  })

  describe('install()', () => {
    it('refuses to change the rule without invalidateAllTokens, and changes nothing', async () => {
      await createAuthCollection(pb, 'members', { rules: {} })
      await pb.api('PATCH', '/api/collections/members', { authRule: 'verified = true' })
      const members = makeTotp({ collection: 'members' })
      const error = await rejectionOf(members.install())
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues[0]?.path).toBe('options.invalidateAllTokens')
      const after = await pb.api<{ authRule: string; fields: { name: string }[] }>(
        'GET',
        '/api/collections/members',
      )
      expect(after.authRule).toBe('verified = true')
      expect(after.fields.map((field) => field.name)).not.toContain('totpSecret')
    })

    it('ANDs the gate with the existing rule, hides the fields, and is idempotent', async () => {
      const members = makeTotp({ collection: 'members' })
      const first = await members.install({ invalidateAllTokens: true })
      expect(first).toMatchObject({
        fieldsAdded: ['totpSecret', 'totpPending', 'totpRecovery'],
        claimsCollectionCreated: true,
        ruleChanged: true,
        rule: 'add-gate',
      })
      const collection = await pb.api<{ authRule: string; fields: { name: string; hidden: boolean }[] }>(
        'GET',
        '/api/collections/members',
      )
      expect(
        collection.authRule.startsWith('(verified = true) && (@request.headers.x_pocketbase_auth_gate'),
      ).toBe(true)
      const hidden = collection.fields
        .filter((field) => field.name.startsWith('totp'))
        .map((field) => field.hidden)
      expect(hidden).toEqual([true, true, true])
      const second = await members.install()
      expect(second).toEqual({
        fieldsAdded: [],
        fieldsHidden: [],
        claimsCollectionCreated: false,
        ruleChanged: false,
        rule: 'gated',
      })
      // The collection's own rule still holds: an unverified member is refused, gate or not.
      const unverified = await createUser(pb, 'members', { verified: false })
      const answer = await direct(pb.url, '/api/collections/members/auth-with-password', {
        body: { identity: unverified.email, password: unverified.password },
        headers: { 'X-PocketBase-Auth-Gate': gateSecret },
      })
      expect(answer.status).toBe(403)
    })
  })

  describe('enrollment', () => {
    it('gives a secret, an otpauth URI and a QR code that reads back to it; confirms with a code', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const begun = await totp.beginEnrollment(user.id)
      expect(begun.uri).toMatch(/^otpauth:\/\/totp\/Acme:/)
      expect(begun.uri).toContain(encodeURIComponent(user.email))
      expect(secretOf(begun.uri)).toBe(begun.secret)
      expect(decodeQrSvg(begun.qrSvg)).toBe(begun.uri)
      expect(begun.expiresAt).toBe(clock + 15 * 60_000)
      expect(await totp.status(user.id)).toEqual({ enabled: false, pending: true, recoveryCodesLeft: 0 })

      expect(await rejectionOf(totp.confirmEnrollment(user.id, '000000'))).toMatchObject({
        code: 'otp_invalid',
      })
      const { recoveryCodes } = await totp.confirmEnrollment(user.id, await codeAt(begun.secret, clock))
      expect(recoveryCodes).toHaveLength(10)
      expect(new Set(recoveryCodes).size).toBe(10)
      for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
      expect(await totp.status(user.id)).toEqual({ enabled: true, pending: false, recoveryCodesLeft: 10 })
      expect(await rejectionOf(totp.beginEnrollment(user.id))).toMatchObject({ code: 'forbidden' })
      secrets.push(begun.secret, ...recoveryCodes)
    })

    it('revokes every token the user had before enrolling', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const before = await direct(pb.url, '/api/collections/users/auth-with-password', {
        body: { identity: user.email, password: user.password },
      })
      expect(before.status).toBe(200)
      const { uri } = await totp.beginEnrollment(user.id)
      await totp.confirmEnrollment(user.id, await codeAt(secretOf(uri), clock))
      const refreshed = await direct(pb.url, '/api/collections/users/auth-refresh', {
        token: String(before.body.token),
      })
      expect(refreshed.status).toBe(401)
    })

    it('an expired enrollment cannot be confirmed', async () => {
      const user = await createUser(pb, 'users', { verified: true })
      const { secret } = await totp.beginEnrollment(user.id)
      clock += 15 * 60_000 + 1_000
      const error = await rejectionOf(totp.confirmEnrollment(user.id, await codeAt(secret, clock)))
      expect(error).toMatchObject({ code: 'not_found' })
    })
  })

  describe('the gate, against plain fetch straight to PocketBase', () => {
    it('refuses a password sign-in of an enrolled user without the gate, and lets unenrolled users in', async () => {
      const { user } = await enrolledUser()
      const plain = await createUser(pb, 'users', { verified: true })
      const body = (u: CreatedUser): { identity: string; password: string } => ({
        identity: u.email,
        password: u.password,
      })
      const path = '/api/collections/users/auth-with-password'
      expect((await direct(pb.url, path, { body: body(user) })).status).toBe(403)
      expect(
        (
          await direct(pb.url, path, {
            body: body(user),
            headers: { 'X-PocketBase-Auth-Gate': 'x'.repeat(40) },
          })
        ).status,
      ).toBe(403)
      expect((await direct(pb.url, path, { body: body(plain) })).status).toBe(200)
      // The SDK's own client, without the gate secret, gets forbidden naming the gate.
      const refused = await rejectionOf(client().authWithPassword(user.email, user.password))
      expect(refused).toMatchObject({ code: 'forbidden', status: 403 })
      expect((refused as Error).message).toContain('TOTP gate')
      // With the gate the password alone would do: only the backend that checks the code may hold it.
      expect(
        (await direct(pb.url, path, { body: body(user), headers: { 'X-PocketBase-Auth-Gate': gateSecret } }))
          .status,
      ).toBe(200)
    })

    it('refuses an OTP sign-in of an enrolled user', async () => {
      const { user } = await enrolledUser()
      const request = await direct(pb.url, '/api/collections/users/request-otp', {
        body: { email: user.email },
      })
      const mail = await sink.waitForMail({ to: user.email, subjectIncludes: 'Code' })
      const answer = await direct(pb.url, '/api/collections/users/auth-with-otp', {
        body: { otpId: request.body.otpId, password: extractOtpCode(mail) },
      })
      expect(answer.status).toBe(403)
    })

    it('refuses an OAuth2 sign-in of an enrolled user', async () => {
      oidc.setUser(newOidcUser())
      const auth = client()
      const { url } = await auth.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:1/cb' })
      const session = await auth.completeOAuth2(await followAuthorize(url))
      const { uri } = await totp.beginEnrollment(session.recordId)
      await totp.confirmEnrollment(session.recordId, await codeAt(secretOf(uri), clock))
      clock += STEP_MS
      const methods = await fetch(`${pb.url}/api/collections/users/auth-methods`).then(
        (response) =>
          response.json() as Promise<{ oauth2: { providers: { authURL: string; codeVerifier: string }[] } }>,
      )
      const provider = methods.oauth2.providers[0]!
      const callback = await followAuthorize(provider.authURL, { redirectURL: 'http://127.0.0.1:1/cb' })
      const answer = await direct(pb.url, '/api/collections/users/auth-with-oauth2', {
        body: {
          provider: 'oidc',
          code: callback.searchParams.get('code'),
          codeVerifier: provider.codeVerifier,
          redirectURL: 'http://127.0.0.1:1/cb',
        },
      })
      expect(answer.status).toBe(403)
    })

    it('lets an enrolled user refresh a token issued through the gate, without the gate', async () => {
      const { user, secret } = await enrolledUser()
      const auth = client()
      const session = await totp.signIn(auth, {
        identity: user.email,
        password: user.password,
        code: await codeAt(secret, clock),
      })
      const refreshed = await direct(pb.url, '/api/collections/users/auth-refresh', { token: session.token })
      expect(refreshed.status).toBe(200)
      // The client itself has no gate secret and refreshes as usual.
      await expect(auth.authRefresh()).resolves.toMatchObject({ recordId: user.id })
    })
  })

  describe('signIn', () => {
    it('releases a session only after the code: one step, or mfa_required then { mfaId, code } elsewhere', async () => {
      const { user, secret } = await enrolledUser()
      const auth = client()
      const events: string[] = []
      auth.on('signedIn', () => events.push('signedIn'))
      auth.on('mfaRequired', () => events.push('mfaRequired'))
      const wrong = await rejectionOf(
        totp.signIn(auth, { identity: user.email, password: user.password, code: '000000' }),
      )
      expect(wrong).toMatchObject({ code: 'otp_invalid' })
      expect(auth.session).toBeNull()

      const pending = await rejectionOf(totp.signIn(auth, { identity: user.email, password: user.password }))
      expect(pending).toBeInstanceOf(MfaRequiredError)
      expect(pending).toMatchObject({
        firstFactor: 'password',
        secondFactor: 'totp',
        expiresAt: clock + 300_000,
      })
      expect(auth.session).toBeNull()
      expect(events).toEqual(['mfaRequired'])

      // Another "process": its own superuser client, TOTP instance and user client, the same key.
      const otherSuperuser = client({
        collection: '_superusers',
        credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
      })
      const elsewhere = createTotp({ superuser: otherSuperuser, issuer: 'Acme', key, gateSecret, now })
      const other = client()
      const { mfaId } = pending as MfaRequiredError
      const session = await elsewhere.signIn(other, { mfaId, code: await codeAt(secret, clock) })
      expect(session).toMatchObject({ recordId: user.id, refreshable: true })
      expect(other.session?.recordId).toBe(user.id)
      expect(Object.keys(session.record)).not.toContain('totpSecret')

      clock += STEP_MS
      const reused = await rejectionOf(totp.signIn(client(), { mfaId, code: await codeAt(secret, clock) }))
      expect(reused).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_session_invalid' })
    })

    it('an mfaId expires after 5 minutes', async () => {
      const { user, secret } = await enrolledUser()
      const error = await rejectionOf(
        totp.signIn(client(), { identity: user.email, password: user.password }),
      )
      clock += 300_000 + 1_000
      const late = await rejectionOf(
        totp.signIn(client(), {
          mfaId: (error as MfaRequiredError).mfaId,
          code: await codeAt(secret, clock),
        }),
      )
      expect(late).toMatchObject({ code: 'invalid_credentials', reason: 'mfa_session_invalid' })
    })

    it('a logout() during the first factor aborts the sign-in without spending the code', async () => {
      const { user, secret } = await enrolledUser()
      const auth = client()
      const code = await codeAt(secret, clock)
      const pending = totp.signIn(auth, { identity: user.email, password: user.password, code })
      auth.logout()
      expect(await rejectionOf(pending)).toMatchObject({ code: 'aborted' })
      expect(auth.session).toBeNull()
      await expect(totp.verify(user.id, code)).resolves.toMatchObject({ method: 'totp' })
    })

    it('signs in a user without TOTP on the first factor alone', async () => {
      const plain = await createUser(pb, 'users', { verified: true })
      const session = await totp.signIn(client(), { identity: plain.email, password: plain.password })
      expect(session.recordId).toBe(plain.id)
    })

    it('takes an OTP as the first factor', async () => {
      const { user, secret } = await enrolledUser()
      const auth = client()
      const { otpId } = await auth.requestOTP(user.email)
      const otpCode = extractOtpCode(await sink.waitForMail({ to: user.email, subjectIncludes: 'Code' }))
      const session = await totp.signIn(auth, { otpId, otpCode, code: await codeAt(secret, clock) })
      expect(session.recordId).toBe(user.id)
    })

    it('takes an OAuth2 code as the first factor', async () => {
      oidc.setUser(newOidcUser())
      const auth = client()
      const { url } = await auth.startOAuth2('oidc', { redirectUrl: 'http://127.0.0.1:1/cb' })
      const first = await auth.completeOAuth2(await followAuthorize(url))
      auth.logout()
      const { uri } = await totp.beginEnrollment(first.recordId)
      const secret = secretOf(uri)
      await totp.confirmEnrollment(first.recordId, await codeAt(secret, clock))
      clock += STEP_MS
      const methods = await auth.listAuthMethods()
      const provider = methods.oauth2.providers[0]!
      const callback = await followAuthorize(provider.authURL, { redirectURL: 'http://127.0.0.1:1/cb' })
      const session = await totp.signIn(auth, {
        oauth2: {
          provider: 'oidc',
          code: callback.searchParams.get('code')!,
          codeVerifier: provider.codeVerifier,
          redirectUrl: 'http://127.0.0.1:1/cb',
        },
        code: await codeAt(secret, clock),
      })
      expect(session.recordId).toBe(first.recordId)
    })
  })

  describe('verify', () => {
    it('accepts one step either way, refuses two, and each step only once', async () => {
      const { user, secret } = await enrolledUser()
      clock += STEP_MS // two steps after the enrollment's code
      expect(
        await rejectionOf(totp.verify(user.id, await codeAt(secret, clock - 2 * STEP_MS))),
      ).toMatchObject({
        code: 'otp_invalid',
      })
      expect(
        await rejectionOf(totp.verify(user.id, await codeAt(secret, clock + 2 * STEP_MS))),
      ).toMatchObject({
        code: 'otp_invalid',
      })
      await expect(totp.verify(user.id, await codeAt(secret, clock - STEP_MS))).resolves.toMatchObject({
        method: 'totp',
      })
      const current = await codeAt(secret, clock)
      await expect(totp.verify(user.id, current)).resolves.toMatchObject({ method: 'totp' })
      expect(await rejectionOf(totp.verify(user.id, current))).toMatchObject({ code: 'otp_invalid' })
      await expect(totp.verify(user.id, await codeAt(secret, clock + STEP_MS))).resolves.toMatchObject({
        method: 'totp',
      })
      // After a later step, an earlier one (never used, still in the window) is refused too.
      clock += STEP_MS
      expect(await rejectionOf(totp.verify(user.id, await codeAt(secret, clock - STEP_MS)))).toMatchObject({
        code: 'otp_invalid',
      })
    })

    it('two processes verifying the same code at once: exactly one wins', async () => {
      const { user, secret } = await enrolledUser()
      const code = await codeAt(secret, clock)
      const verifiers = Array.from({ length: 6 }, () =>
        createTotp({
          superuser: client({
            collection: '_superusers',
            credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
          }),
          issuer: 'Acme',
          key,
          gateSecret,
          now,
        }),
      )
      const results = await Promise.allSettled(verifiers.map((verifier) => verifier.verify(user.id, code)))
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
      for (const result of results) {
        if (result.status === 'rejected') expect(result.reason).toMatchObject({ code: 'otp_invalid' })
      }
    })

    it('a brute-force loop gets 5 tries per 5 minutes, then rate_limited with retryAfterMs', async () => {
      const { user, secret } = await enrolledUser()
      const outcomes: string[] = []
      let limited: unknown
      for (let guess = 0; guess < 20 && limited === undefined; guess++) {
        const error = await rejectionOf(totp.verify(user.id, String(100000 + guess)))
        if ((error as { code?: string }).code === 'rate_limited') limited = error
        else outcomes.push((error as { code: string }).code)
      }
      expect(outcomes).toEqual(Array(5).fill('otp_invalid'))
      expect(limited).toMatchObject({ code: 'rate_limited', retryAfterMs: 300_000 })
      // Even the right code waits.
      expect(await rejectionOf(totp.verify(user.id, await codeAt(secret, clock)))).toMatchObject({
        code: 'rate_limited',
      })
      clock += 60_000
      expect(await rejectionOf(totp.verify(user.id, await codeAt(secret, clock)))).toMatchObject({
        code: 'rate_limited',
        retryAfterMs: 240_000,
      })
      clock += 240_000
      await expect(totp.verify(user.id, await codeAt(secret, clock))).resolves.toMatchObject({
        method: 'totp',
      })
    })

    it('parallel guesses from many processes still get at most 5 failures', async () => {
      const { user } = await enrolledUser()
      const guesses = Array.from({ length: 12 }, (_, index) =>
        makeTotp().verify(user.id, String(200000 + index)),
      )
      const codes = (await Promise.allSettled(guesses)).map((result) =>
        result.status === 'rejected' ? (result.reason as { code: string }).code : 'accepted',
      )
      expect(codes.filter((code) => code === 'otp_invalid').length).toBeLessThanOrEqual(5)
      expect(codes.filter((code) => code === 'rate_limited').length).toBeGreaterThanOrEqual(7)
    })

    it('recovery codes work once each', async () => {
      const { user, recoveryCodes } = await enrolledUser()
      const code = recoveryCodes[3]!
      await expect(totp.verify(user.id, code.toUpperCase())).resolves.toEqual({
        method: 'recovery_code',
        recoveryCodesLeft: 9,
      })
      expect(await rejectionOf(totp.verify(user.id, code))).toMatchObject({ code: 'otp_invalid' })
      expect((await totp.status(user.id)).recoveryCodesLeft).toBe(9)
    })
  })

  describe('disable and reset', () => {
    it('disable needs a code; afterwards the user signs in directly again', async () => {
      const { user, recoveryCodes } = await enrolledUser()
      expect(await rejectionOf(totp.disable(user.id, '123456'))).toMatchObject({ code: 'otp_invalid' })
      await expect(totp.disable(user.id, recoveryCodes[0]!)).resolves.toMatchObject({
        method: 'recovery_code',
      })
      expect(await totp.status(user.id)).toEqual({ enabled: false, pending: false, recoveryCodesLeft: 0 })
      const answer = await direct(pb.url, '/api/collections/users/auth-with-password', {
        body: { identity: user.email, password: user.password },
      })
      expect(answer.status).toBe(200)
      expect(await rejectionOf(totp.verify(user.id, '123456'))).toMatchObject({ code: 'not_found' })
    })

    it('reset removes TOTP without a code, and is logged', async () => {
      const { user } = await enrolledUser()
      await totp.reset(user.id)
      expect((await totp.status(user.id)).enabled).toBe(false)
      expect(log.lines.some((line) => line.startsWith('warn TOTP reset') && line.includes(user.id))).toBe(
        true,
      )
    })
  })

  describe('secrets', () => {
    it('a copy of the database holds no TOTP secret and no recovery code', async () => {
      const { user, secret, recoveryCodes } = await enrolledUser()
      const record = await pb.api<Record<string, string>>('GET', `/api/collections/users/records/${user.id}`)
      expect(record['totpSecret']).not.toContain(secret)
      const files = (await readdir(pb.dir)).filter((file) => file.startsWith('data.db'))
      expect(files.length).toBeGreaterThan(0)
      const bytes = Buffer.concat(await Promise.all(files.map((file) => readFile(path.join(pb.dir, file)))))
      for (const value of [
        secret,
        ...recoveryCodes,
        ...recoveryCodes.map((code) => code.replace(/-/g, '')),
      ]) {
        expect(bytes.includes(Buffer.from(value))).toBe(false)
      }
    })

    it('the user can neither read nor change the TOTP fields, nor read the claims', async () => {
      const { user, secret } = await enrolledUser()
      const session = await totp.signIn(client(), {
        identity: user.email,
        password: user.password,
        code: await codeAt(secret, clock),
      })
      const response = await fetch(`${pb.url}/api/collections/users/records/${user.id}`, {
        headers: { authorization: session.token },
      })
      const body = (await response.json()) as Record<string, unknown>
      expect(Object.keys(body).filter((name) => name.startsWith('totp'))).toEqual([])
      // Nor can the user turn TOTP off behind the backend's back: PocketBase keeps hidden fields for superusers.
      const patch = await fetch(`${pb.url}/api/collections/users/records/${user.id}`, {
        method: 'PATCH',
        headers: { authorization: session.token, 'content-type': 'application/json' },
        body: JSON.stringify({ totpSecret: '', totpRecovery: '' }),
      })
      expect(patch.status).toBe(200)
      expect(await totp.status(user.id)).toMatchObject({ enabled: true, recoveryCodesLeft: 10 })
      const claims = await fetch(`${pb.url}/api/collections/users_totp_claims/records`, {
        headers: { authorization: session.token },
      })
      expect(claims.status).toBe(403)
    })

    it('no secret, code, key or gate secret in a log line or an error', async () => {
      const { user, secret } = await enrolledUser()
      const code = await codeAt(secret, clock)
      secrets.push(code)
      const errors = [
        await rejectionOf(totp.signIn(client(), { identity: user.email, password: user.password })),
        await rejectionOf(totp.verify(user.id, '999999')),
        await rejectionOf(totp.signIn(client(), { mfaId: 'forged.mfa.id.value.x', code })),
        await rejectionOf(totp.beginEnrollment(user.id)),
      ]
      await totp.verify(user.id, code)
      const text = [
        ...log.lines,
        ...errors.flatMap((error) => [JSON.stringify(error), inspect(error, { showHidden: true, depth: 8 })]),
      ].join('\n')
      for (const value of secrets) expect(text).not.toContain(value)
    })
  })
})
