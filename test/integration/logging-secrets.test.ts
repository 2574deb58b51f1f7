import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
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
import {
  extractActionToken,
  extractOtpCode,
  startPocketBase,
  type ActionKind,
  type PocketBaseHandle,
} from '../../src/testing/index.js'
import { MfaRequiredError, createAuthClient } from '../../src/index.js'
import type { AuthClient, AuthClientOptions, AuthSession, LogContext, Logger } from '../../src/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('logging-secrets tests')

type Level = keyof Logger

/** Everything the SDK showed the outside world, and every secret it was trusted with. */
class Exposure {
  readonly passwords = new Set<string>()
  readonly tokens = new Set<string>()
  readonly codes = new Set<string>()
  readonly levels = new Set<Level>()
  /** Rendered log lines, event payloads and errors, each with where it came from. */
  readonly texts: { source: string; text: string }[] = []
  errorCount = 0

  readonly logger: Logger = {
    debug: (message, context) => this.#log('debug', message, context),
    info: (message, context) => this.#log('info', message, context),
    warn: (message, context) => this.#log('warn', message, context),
    error: (message, context) => this.#log('error', message, context),
  }

  #log(level: Level, message: string, context?: LogContext): void {
    this.levels.add(level)
    this.texts.push({
      source: `log.${level}`,
      text: `${message} ${JSON.stringify(context)} ${inspect(context)}`,
    })
  }

  /** A session from an event: its token is a secret; every other field is checked. */
  session(source: string, session: AuthSession): void {
    this.tokens.add(session.token)
    const rest = Object.fromEntries(Object.entries(session).filter(([key]) => key !== 'token'))
    this.texts.push({ source, text: `${JSON.stringify(rest)} ${inspect(rest, { depth: 10 })}` })
  }

  payload(source: string, payload: unknown): void {
    this.texts.push({ source, text: `${JSON.stringify(payload)} ${inspect(payload, { depth: 10 })}` })
  }

  error(source: string, error: unknown): void {
    this.errorCount++
    const stack = error instanceof Error ? `${error.message} ${error.stack ?? ''}` : ''
    this.texts.push({
      source,
      text: `${String(error)} ${stack} ${JSON.stringify(error)} ${inspect(error, { depth: 10 })}`,
    })
  }

  /** Every (source, kind) pair where a secret shows up. */
  leaks(): string[] {
    const found: string[] = []
    for (const { source, text } of this.texts) {
      for (const password of this.passwords) if (text.includes(password)) found.push(`${source}: a password`)
      for (const token of this.tokens) if (text.includes(token)) found.push(`${source}: a token`)
      for (const code of this.codes) {
        if (new RegExp(`(?<!\\d)${code}(?!\\d)`).test(text)) found.push(`${source}: an OTP code`)
      }
    }
    return found
  }
}

describe.skipIf(bin === undefined)('no secret in logs, event payloads or errors, across every flow', () => {
  let pb: PocketBaseHandle
  let sink: SmtpSink
  const seen = new Exposure()
  const clients: AuthClient[] = []
  const everyClient: AuthClient[] = []

  /** A client that logs at every level into `seen` and listens to every event. */
  function client(options: Partial<AuthClientOptions> = {}): AuthClient {
    const auth = createAuthClient({ url: pb.url, logger: seen.logger, ...options })
    auth.on('signedIn', (session) => seen.session('event.signedIn', session))
    auth.on('tokenRefreshed', (session) => seen.session('event.tokenRefreshed', session))
    auth.on('signedOut', (payload) => seen.payload('event.signedOut', payload))
    auth.on('mfaRequired', (payload) => seen.payload('event.mfaRequired', payload))
    auth.on('refreshFailed', ({ error, ...rest }) => {
      seen.error('event.refreshFailed.error', error)
      seen.payload('event.refreshFailed', rest)
    })
    auth.on('expiring', ({ session, msLeft }) => {
      seen.session('event.expiring.session', session)
      seen.payload('event.expiring', { msLeft })
    })
    auth.on('error', (error) => seen.error('event.error', error))
    clients.push(auth)
    everyClient.push(auth)
    return auth
  }

  async function user(collection = 'users', data: Record<string, unknown> = {}): Promise<CreatedUser> {
    const created = await createUser(pb, collection, { verified: true, ...data })
    seen.passwords.add(created.password)
    return created
  }

  function newPassword(): string {
    const password = `New-${randomBytes(12).toString('base64url')}`
    seen.passwords.add(password)
    return password
  }

  /** Runs a call expected to fail and records its error. */
  async function failing(source: string, call: Promise<unknown>): Promise<unknown> {
    try {
      await call
    } catch (error) {
      seen.error(source, error)
      return error
    }
    throw new Error(`${source}: expected a failure`)
  }

  async function otpCode(email: string): Promise<string> {
    const code = extractOtpCode(await sink.waitForMail({ to: email, subjectIncludes: 'Code' }))
    seen.codes.add(code)
    return code
  }

  function wrongCode(code: string): string {
    const wrong = `${code.slice(0, -1)}${(Number(code.at(-1)) + 1) % 10}`
    seen.codes.add(wrong)
    return wrong
  }

  async function actionToken(to: string, subject: string, kind: ActionKind): Promise<string> {
    const token = extractActionToken(await sink.waitForMail({ to, subjectIncludes: subject }), kind)
    seen.tokens.add(token)
    return token
  }

  function expectNoLeaks(): void {
    expect(seen.leaks()).toEqual([])
  }

  beforeAll(async () => {
    ;[pb, sink] = await Promise.all([
      startPocketBase({ superuserPassword: 'Leak-Check-Sup3r-8b1e' }),
      startSmtpSink(),
    ])
    seen.passwords.add(pb.superuser.password)
    await configureSmtp(pb, sink)
    await enableOtp(pb, 'users', { length: 8 })
    await createAuthCollection(pb, 'members', {
      identityFields: ['email', 'nickname'],
      fields: [{ name: 'nickname', type: 'text', max: 100 }],
    })
    await createAuthCollection(pb, 'guarded')
    await enableOtp(pb, 'guarded', { length: 8 })
    await enableMfa(pb, 'guarded')
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
  })

  afterAll(async () => {
    await Promise.all([pb?.stop(), sink?.stop()])
  })

  it('the leak check itself finds a planted secret', () => {
    const probe = new Exposure()
    probe.passwords.add('planted-password')
    probe.tokens.add('planted.token.value')
    probe.codes.add('12345678')
    probe.logger.info('oops planted-password')
    probe.payload('event', { token: 'planted.token.value' })
    probe.error('call', new Error('code 12345678 was wrong'))
    probe.payload('timestamp', { at: 9912345678 })
    expect(probe.leaks()).toEqual(['log.info: a password', 'event: a token', 'call: an OTP code'])
  })

  it('password sign-in, failures, refresh, a throwing listener and logout', async () => {
    const alice = await user()
    const auth = client()
    await failing('wrong password', auth.authWithPassword(alice.email, `${alice.password}-wrong`))
    await failing('unknown user', auth.authWithPassword(`nobody-${Date.now()}@example.com`, alice.password))
    await failing('blank password', auth.authWithPassword(alice.email, ''))

    await auth.authWithPassword(alice.email, alice.password)
    await sleep(1100) // a new token, not the same bytes
    const stop = auth.on('tokenRefreshed', () => {
      throw new Error('listener failure')
    })
    await auth.authRefresh()
    stop()
    seen.tokens.add(await auth.getToken())
    auth.logout()
    expectNoLeaks()
  })

  it('another collection by nickname, and a superuser through credentials', async () => {
    const member = await user('members', { nickname: `nick-${randomBytes(3).toString('hex')}` })
    await client({ collection: 'members' }).authWithPassword(String(member['nickname']), member.password)

    const admin = client({
      collection: '_superusers',
      credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
    })
    seen.tokens.add(await admin.getToken())
    const badAdmin = client({
      collection: '_superusers',
      credentials: () => ({ identity: pb.superuser.email, password: `${pb.superuser.password}-no` }),
    })
    await failing('credentials callback with a wrong password', badAdmin.getToken())
    expectNoLeaks()
  })

  it('OTP: wrong code, right code, reuse', async () => {
    const bob = await user()
    const auth = client()
    const { otpId } = await auth.requestOTP(bob.email)
    const code = await otpCode(bob.email)
    await failing('wrong OTP', auth.authWithOTP(otpId, wrongCode(code)))
    await auth.authWithOTP(otpId, code)
    await failing('reused OTP', client().authWithOTP(otpId, code))
    expectNoLeaks()
  })

  it('MFA: password then OTP, and the same method twice', async () => {
    const carol = await user('guarded')
    const auth = client({ collection: 'guarded' })
    const first = await failing('MFA first factor', auth.authWithPassword(carol.email, carol.password))
    expect(first).toBeInstanceOf(MfaRequiredError)
    const { mfaId } = first as MfaRequiredError
    await failing('MFA same method', auth.authWithPassword(carol.email, carol.password, { mfaId }))
    const { otpId } = await auth.requestOTP(carol.email)
    const code = await otpCode(carol.email)
    await failing('MFA wrong OTP', auth.authWithOTP(otpId, wrongCode(code), { mfaId }))
    await auth.authWithOTP(otpId, code, { mfaId })
    expectNoLeaks()
  })

  it('account flows: verification, password reset with a revoked session, email change', async () => {
    const dave = await user('users', { verified: false })
    const auth = client()
    await auth.authWithPassword(dave.email, dave.password)
    await auth.requestVerification(dave.email)
    await auth.confirmVerification(await actionToken(dave.email, 'Verify', 'verification'))
    await failing('garbage verification token', auth.confirmVerification('garbage-token'))

    const newEmail = `changed-${randomBytes(5).toString('hex')}@example.com`
    const other = await user()
    await failing('taken email', auth.requestEmailChange(other.email))
    await auth.requestEmailChange(newEmail)
    const changeToken = await actionToken(newEmail, 'new email', 'email-change')
    await failing(
      'wrong password on email change',
      auth.confirmEmailChange(changeToken, `${dave.password}-x`),
    )
    await auth.confirmEmailChange(changeToken, dave.password)
    await failing('refresh after email change', auth.authRefresh())

    const reset = client()
    await reset.authWithPassword(newEmail, dave.password)
    await reset.requestPasswordReset(newEmail)
    const resetToken = await actionToken(newEmail, 'Reset', 'password-reset')
    const replacement = newPassword()
    await failing(
      'reset mismatch',
      reset.confirmPasswordReset(resetToken, replacement, `${replacement}-typo`),
    )
    await reset.confirmPasswordReset(resetToken, replacement, replacement)
    await failing('reset reuse', reset.confirmPasswordReset(resetToken, replacement, replacement))
    await failing(
      'refresh after reset',
      reset.getToken().then(() => reset.authRefresh()),
    )
    await failing('email change without a session', reset.requestEmailChange('x@example.com'))
    expectNoLeaks()
  })

  it('exercised every log level, many errors and every token kind, and nothing leaked', () => {
    expect([...seen.levels].sort()).toEqual(['debug', 'error', 'info', 'warn'])
    expect(seen.errorCount).toBeGreaterThanOrEqual(15)
    expect(seen.tokens.size).toBeGreaterThanOrEqual(10)
    expect(seen.codes.size).toBeGreaterThanOrEqual(4)
    expect(seen.texts.some(({ source }) => source === 'event.signedOut')).toBe(true)
    expect(seen.texts.some(({ source }) => source === 'event.mfaRequired')).toBe(true)
    expect(seen.texts.some(({ source }) => source === 'event.error')).toBe(true)
    expect(everyClient.length).toBeGreaterThan(5)
    for (const auth of everyClient) {
      expect(JSON.stringify(auth)).not.toMatch(/eyJ/)
      expect(inspect(auth, { depth: 10 })).not.toMatch(/eyJ/)
    }
    expectNoLeaks()
  })
})
