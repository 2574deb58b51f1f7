/**
 * `pocketbase-auth/totp` as the second factor of a server-rendered app, against a real PocketBase with the TOTP
 * gate installed: the first request's `totp.signIn` throws `mfa_required` with a sealed `mfaId`, which the request
 * client keeps in its sealed MFA cookie (`rememberMfa`); the next request, a new client, reads it back and finishes
 * with the authenticator code; the session cookie then refreshes through the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthClient, MfaRequiredError, type AuthClient } from '../../src/index.js'
import { createRequestAuth } from '../../src/ssr/node.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { createTotp, type Totp } from '../../src/totp/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { FakeBrowser, SECRET } from '../ssr/helpers.js'
import { codeAt, newGateSecret, newKey, secretOf } from '../totp/helpers.js'

const bin = pocketBaseBinaryForTests('ssr + totp tests')
const STEP_MS = 30_000

describe.skipIf(bin === undefined)('TOTP as the second factor across requests', () => {
  let pb: PocketBaseHandle
  let superuser: AuthClient
  let totp: Totp
  const gateSecret = newGateSecret()
  let clock = Math.floor(Date.now() / STEP_MS) * STEP_MS + 1_000
  const now = (): number => clock

  beforeAll(async () => {
    pb = await startPocketBase({ mail: false })
    superuser = createAuthClient({
      url: pb.url,
      collection: '_superusers',
      autoRefresh: false,
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
    totp = createTotp({ superuser, issuer: 'Acme', key: newKey(), gateSecret, now })
    await totp.install({ invalidateAllTokens: true })
  })
  afterAll(async () => {
    superuser?.dispose()
    await pb?.stop()
  })

  it('keeps the sealed mfaId in the MFA cookie between the password and the code, then refreshes', async () => {
    const user = await pb.createUser({ verified: true })
    const { uri } = await totp.beginEnrollment(user.id)
    const secret = secretOf(uri)
    await totp.confirmEnrollment(user.id, await codeAt(secret, clock))
    clock += STEP_MS
    const browser = new FakeBrowser()
    const request = () =>
      createRequestAuth({ url: pb.url, secret: SECRET, gateSecret, cookies: browser.request(), now })

    const first = request()
    const error = await totp
      .signIn(first, { identity: user.email, password: user.password })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MfaRequiredError)
    expect((error as MfaRequiredError).secondFactor).toBe('totp')
    await first.rememberMfa(error as MfaRequiredError)
    expect(browser.names()).toEqual(['pb_auth_mfa'])

    const second = request()
    const { mfa } = await second.pendingSignIn()
    expect(mfa).toMatchObject({ secondFactor: 'totp', firstFactor: 'password' })
    const session = await totp.signIn(second, { mfaId: mfa!.mfaId, code: await codeAt(secret, clock) })
    expect(session.recordId).toBe(user.id)
    expect(browser.names()).toEqual(['pb_auth'])

    const third = request()
    expect(third.session?.recordId).toBe(user.id)
    const lifetime = session.expiresAt - session.issuedAt
    clock += Math.round(lifetime * 0.6)
    const events: string[] = []
    third.on('tokenRefreshed', () => events.push('tokenRefreshed'))
    third.on('signedOut', () => events.push('signedOut'))
    const refreshed = await third.getSession() // auth-refresh through the gate (PocketBase exempts refreshes)
    expect(events).toEqual(['tokenRefreshed'])
    expect(refreshed?.issuedAt).toBe(clock)
    expect(request().session?.issuedAt).toBe(clock)
  })
})
