/**
 * Drives every public flow of the SDK against a real PocketBase, SMTP sink and OpenID provider while an
 * `Audit` collects every secret that crosses the wire and everything the SDK shows: log lines, event
 * payloads, thrown errors (message, stack, JSON, util.inspect with the cause chain) and the loopback page.
 * Shared by secrets-audit.test.ts and disk-audit.test.ts.
 */
import { randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { expect, vi } from 'vitest'
import {
  configureOidc,
  configureSmtp,
  createAuthCollection,
  createBaseCollection,
  createUser,
  enableMfa,
  enableOtp,
  followAuthorize,
  type OidcProvider,
  type SmtpSink,
} from '../../dev/index.js'
import { extractActionToken, extractOtpCode, type PocketBaseHandle } from '../../src/testing/index.js'
import {
  MfaRequiredError,
  createAuthClient,
  createDbInterface,
  isAuthError,
  type AuthClient,
  type AuthClientOptions,
  type AuthEventName,
} from '../../src/index.js'
import {
  authWithOAuth2Loopback,
  createAuthClientFromEnv,
  createConsoleLogger,
  loadEnv,
} from '../../src/node/index.js'

const EVENTS: readonly AuthEventName[] = [
  'signedIn',
  'tokenRefreshed',
  'signedOut',
  'mfaRequired',
  'refreshFailed',
  'expiring',
  'error',
]
/** Shorter strings could match by chance; every real secret here is longer. */
const MIN_SECRET_LENGTH = 8
/** Request JSON fields that carry a secret. */
const REQUEST_SECRET_FIELDS = new Set([
  'password',
  'passwordConfirm',
  'oldPassword',
  'token',
  'code',
  'codeVerifier',
])
/** Response JSON fields that carry a secret (`code` there is an error code, not an OAuth2 code). */
const RESPONSE_SECRET_FIELDS = new Set(['token', 'codeVerifier', 'accessToken', 'refreshToken'])

/** Everything shown by the SDK, with where it was seen. */
interface Shown {
  readonly where: string
  readonly text: string
}

/** Collects secrets and what the SDK showed. */
export class Audit {
  readonly #secrets = new Set<string>()
  readonly #shown: Shown[] = []
  readonly #pending: Promise<unknown>[] = []
  readonly logLines: string[] = []
  /** The SDK's own console logger, writing into `logLines`. */
  readonly logger = createConsoleLogger('debug', { error: (line: string) => this.logLines.push(line) })

  /** A `fetch` that learns every secret sent or received, then forwards to the real `fetch`. */
  readonly fetch: typeof globalThis.fetch = async (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization')
    if (authorization !== null) this.secret(authorization.replace(/^bearer\s+/i, ''))
    if (typeof init?.body === 'string') this.#learn(init.body, REQUEST_SECRET_FIELDS)
    const response = await globalThis.fetch(input, init)
    this.#pending.push(
      response
        .clone()
        .text()
        .then((text) => this.#learn(text, RESPONSE_SECRET_FIELDS)),
    )
    return response
  }

  /** Registers secret values. */
  secret(...values: (string | undefined | null)[]): void {
    for (const value of values)
      if (typeof value === 'string' && value.length >= MIN_SECRET_LENGTH) this.#secrets.add(value)
  }

  /** How many distinct secrets were seen (the audit must have something to look for). */
  get secretCount(): number {
    return this.#secrets.size
  }

  /** Every secret seen so far. */
  secrets(): string[] {
    return [...this.#secrets]
  }

  /** The labels of everything recorded so far, e.g. `admin event signedIn` (shows the audit looked). */
  shownPlaces(): string[] {
    return this.#shown.map((entry) => entry.where)
  }

  /** Records something the SDK showed. */
  show(where: string, text: string): void {
    this.#shown.push({ where, text })
  }

  /** Records an error the SDK threw or emitted: message, stack, JSON and util.inspect (cause chain). */
  showError(where: string, error: unknown): void {
    if (error instanceof Error) {
      this.show(`${where} message`, error.message)
      this.show(`${where} stack`, error.stack ?? '')
      this.show(`${where} JSON`, JSON.stringify(error) ?? '')
      this.show(`${where} inspect`, inspect(error, { depth: Infinity }))
      let cause: unknown = error.cause
      for (let depth = 0; cause !== undefined && depth < 10; depth++) {
        this.show(`${where} cause[${depth}]`, inspect(cause, { depth: Infinity, showHidden: true }))
        cause = cause instanceof Error ? cause.cause : undefined
      }
    } else {
      this.show(where, inspect(error, { depth: Infinity }))
    }
  }

  /** Subscribes to every event of `auth`; a session's own `token` is the only field allowed to hold one. */
  watch<T extends AuthClient>(auth: T, name: string): T {
    for (const event of EVENTS) {
      auth.on(event, (payload: unknown) => {
        const where = `${name} event ${event}`
        if (event === 'error') return this.showError(where, payload)
        if (event === 'refreshFailed') this.showError(`${where}.error`, (payload as { error: unknown }).error)
        if (event === 'signedIn' || event === 'tokenRefreshed') {
          const { token, ...rest } = payload as { token: string }
          this.secret(token)
          return this.show(where, `${JSON.stringify(rest)}\n${inspect(rest, { depth: Infinity })}`)
        }
        if (event === 'expiring') {
          const { session, ...rest } = payload as { session: { token: string } }
          const { token, ...sessionRest } = session
          this.secret(token)
          const shown = { ...rest, session: sessionRest }
          return this.show(where, `${JSON.stringify(shown)}\n${inspect(shown, { depth: Infinity })}`)
        }
        this.show(where, `${JSON.stringify(payload)}\n${inspect(payload, { depth: Infinity })}`)
      })
    }
    return auth
  }

  /** Awaits a call, recording a failure; returns the error (or `undefined` when it succeeded). */
  async attempt(where: string, call: () => Promise<unknown>): Promise<unknown> {
    try {
      const value = await call()
      const session = (value as { token?: unknown } | undefined)?.token
      if (typeof session === 'string') this.secret(session)
      return undefined
    } catch (error) {
      this.showError(where, error)
      return error
    }
  }

  /** Every place a secret was shown: `where: …secret…`. Empty when the audit is clean. */
  async leaks(): Promise<string[]> {
    await Promise.allSettled(this.#pending)
    const shown = [...this.#shown, ...this.logLines.map((text) => ({ where: 'log', text }))]
    const found: string[] = []
    for (const secret of this.#secrets) {
      for (const { where, text } of shown) {
        const at = text.indexOf(secret)
        if (at >= 0) found.push(`${where}: …${text.slice(Math.max(0, at - 80), at + secret.length + 20)}…`)
      }
    }
    return found
  }

  #learn(text: string, fields: ReadonlySet<string>): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      return
    }
    const visit = (value: unknown, key: string | undefined): void => {
      if (typeof value === 'string') {
        if (key !== undefined && fields.has(key)) this.secret(value)
        return
      }
      if (typeof value !== 'object' || value === null) return
      for (const [childKey, child] of Object.entries(value)) visit(child, childKey)
    }
    visit(parsed, undefined)
  }
}

/** What the flows need. */
export interface FlowEnv {
  readonly pb: PocketBaseHandle
  readonly sink: SmtpSink
  readonly oidc: OidcProvider
  readonly audit: Audit
  /** Clients created by the flows; dispose them in teardown. */
  readonly clients: AuthClient[]
}

const random = (): string => randomBytes(6).toString('hex')
const code = (error: unknown): string | undefined => (isAuthError(error) ? error.code : undefined)

/** One-time PocketBase setup the flows rely on: SMTP, 8-digit OTP, OIDC, an MFA collection, a posts collection. */
export async function prepareServer(env: Omit<FlowEnv, 'audit' | 'clients'>): Promise<void> {
  const { pb, sink, oidc } = env
  await configureSmtp(pb, sink)
  await enableOtp(pb, 'users', { length: 8 })
  await configureOidc(pb, 'users', oidc)
  await createAuthCollection(pb, 'mfausers')
  await enableOtp(pb, 'mfausers', { length: 8 })
  await enableMfa(pb, 'mfausers')
  const signedIn = '@request.auth.id != ""'
  await createBaseCollection(pb, 'posts', {
    fields: [{ name: 'title', type: 'text', required: true }],
    rules: { listRule: signedIn, viewRule: signedIn, createRule: signedIn },
  })
}

function makeClient(env: FlowEnv, name: string, options: Partial<AuthClientOptions> = {}): AuthClient {
  const auth = createAuthClient({
    url: env.pb.url,
    logger: env.audit.logger,
    fetch: env.audit.fetch,
    ...options,
  })
  env.clients.push(auth)
  return env.audit.watch(auth, name)
}

/** Password sign-in, refresh, db calls, email change (which revokes the token) and the failures around them. */
export async function passwordAndAccountFlows(env: FlowEnv): Promise<void> {
  const { pb, sink, audit } = env
  const user = await createUser(pb, 'users', { verified: true })
  audit.secret(user.password)
  const auth = makeClient(env, 'password')

  const wrongPassword = `Wrong-${random()}`
  audit.secret(wrongPassword)
  expect(
    code(await audit.attempt('wrong password', () => auth.authWithPassword(user.email, wrongPassword))),
  ).toBe('invalid_credentials')
  expect(code(await audit.attempt('blank identity', () => auth.authWithPassword('', user.password)))).toBe(
    'config_invalid',
  )
  expect(
    await audit.attempt('password sign-in', () => auth.authWithPassword(user.email, user.password)),
  ).toBeUndefined()
  expect(await audit.attempt('authRefresh', () => auth.authRefresh())).toBeUndefined()
  audit.secret(await auth.getToken())

  const db = createDbInterface(auth)
  const posts = db.collection<{ id: string; title: string }>('posts')
  expect(await audit.attempt('db create', () => posts.create({ title: 'hello' }))).toBeUndefined()
  expect(await audit.attempt('db getList', () => posts.getList(1, 10))).toBeUndefined()
  expect(code(await audit.attempt('db create invalid', () => posts.create({})))).toBe('validation_failed')
  expect(code(await audit.attempt('db getOne missing', () => posts.getOne('missing1234567x')))).toBe(
    'not_found',
  )

  const newEmail = `changed-${random()}@example.com`
  expect(await audit.attempt('requestEmailChange', () => auth.requestEmailChange(newEmail))).toBeUndefined()
  const changeToken = extractActionToken(await sink.waitForMail({ to: newEmail }), 'email-change')
  audit.secret(changeToken)
  expect(
    code(
      await audit.attempt('confirmEmailChange wrong pw', () =>
        auth.confirmEmailChange(changeToken, wrongPassword),
      ),
    ),
  ).toBe('validation_failed')
  expect(
    await audit.attempt('confirmEmailChange', () => auth.confirmEmailChange(changeToken, user.password)),
  ).toBeUndefined()
  // The email change invalidated the token: refresh is refused and the session ends.
  expect(code(await audit.attempt('refresh after revocation', () => auth.authRefresh()))).toBe(
    'token_expired',
  )
  expect(code(await audit.attempt('db after revocation', () => posts.getList(1, 10)))).toBe(
    'not_authenticated',
  )
  expect(code(await audit.attempt('getToken without session', () => auth.getToken()))).toBe(
    'not_authenticated',
  )

  const fresh = await createUser(pb, 'users')
  audit.secret(fresh.password)
  expect(
    await audit.attempt('requestVerification', () => auth.requestVerification(fresh.email)),
  ).toBeUndefined()
  const verifyToken = extractActionToken(
    await sink.waitForMail({ to: fresh.email, subjectIncludes: 'Verify' }),
  )
  audit.secret(verifyToken)
  expect(
    await audit.attempt('confirmVerification', () => auth.confirmVerification(verifyToken)),
  ).toBeUndefined()
  expect(
    code(
      await audit.attempt('confirmVerification garbage', () => auth.confirmVerification(`x${verifyToken}`)),
    ),
  ).toBe('validation_failed')

  expect(
    await audit.attempt('requestPasswordReset', () => auth.requestPasswordReset(fresh.email)),
  ).toBeUndefined()
  const resetToken = extractActionToken(await sink.waitForMail({ to: fresh.email, subjectIncludes: 'Reset' }))
  audit.secret(resetToken)
  const newPassword = `NewPw-${random()}`
  const mismatch = `Mismatch-${random()}`
  audit.secret(newPassword, mismatch)
  expect(
    code(
      await audit.attempt('reset mismatch', () =>
        auth.confirmPasswordReset(resetToken, newPassword, mismatch),
      ),
    ),
  ).toBe('validation_failed')
  expect(
    await audit.attempt('confirmPasswordReset', () =>
      auth.confirmPasswordReset(resetToken, newPassword, newPassword),
    ),
  ).toBeUndefined()
  expect(
    code(
      await audit.attempt('reset reuse', () =>
        auth.confirmPasswordReset(resetToken, newPassword, newPassword),
      ),
    ),
  ).toBe('validation_failed')
  expect(
    await audit.attempt('sign-in new password', () => auth.authWithPassword(fresh.email, newPassword)),
  ).toBeUndefined()
  auth.logout()
}

/** OTP sign-in (wrong and right code) and MFA (password first, OTP second). */
export async function otpAndMfaFlows(env: FlowEnv): Promise<void> {
  const { pb, sink, audit } = env
  const user = await createUser(pb, 'users', { verified: true })
  const auth = makeClient(env, 'otp')
  const { otpId } = await auth.requestOTP(user.email)
  const otpCode = extractOtpCode(await sink.waitForMail({ to: user.email, subjectIncludes: 'Code' }))
  audit.secret(otpCode)
  const wrongCode = String((Number(otpCode) + 1 + randomBytes(2).readUInt16BE()) % 100_000_000).padStart(
    8,
    '0',
  )
  expect(code(await audit.attempt('wrong OTP', () => auth.authWithOTP(otpId, wrongCode)))).toBe('otp_invalid')
  expect(await audit.attempt('OTP sign-in', () => auth.authWithOTP(otpId, otpCode))).toBeUndefined()
  auth.logout()

  const member = await createUser(pb, 'mfausers', { verified: true })
  audit.secret(member.password)
  const mfa = makeClient(env, 'mfa', { collection: 'mfausers' })
  const first = await audit.attempt('MFA first factor', () =>
    mfa.authWithPassword(member.email, member.password),
  )
  expect(first).toBeInstanceOf(MfaRequiredError)
  const { mfaId } = first as MfaRequiredError
  const second = await mfa.requestOTP(member.email)
  const mfaCode = extractOtpCode(await sink.waitForMail({ to: member.email, subjectIncludes: 'Code' }))
  audit.secret(mfaCode)
  expect(
    code(
      await audit.attempt('MFA bad mfaId', () =>
        mfa.authWithOTP(second.otpId, mfaCode, { mfaId: 'bogus1234567890' }),
      ),
    ),
  ).toBe('invalid_credentials')
  const third = await mfa.requestOTP(member.email)
  const thirdCode = extractOtpCode(await sink.waitForMail({ to: member.email, subjectIncludes: 'Code' }))
  audit.secret(thirdCode)
  expect(
    await audit.attempt('MFA second factor', () => mfa.authWithOTP(third.otpId, thirdCode, { mfaId })),
  ).toBeUndefined()
  mfa.logout()
}

/** OAuth2: auth methods, start/complete, reuse, denial, the low-level exchange and the loopback helper. */
export async function oauth2Flows(env: FlowEnv): Promise<void> {
  const { oidc, audit } = env
  const redirectUrl = 'http://127.0.0.1:9/callback'
  oidc.setUser({
    sub: `sub-${random()}`,
    email: `oidc-${random()}@example.com`,
    email_verified: true,
    name: 'Ann',
  })
  const auth = makeClient(env, 'oauth2')
  const methods = await auth.listAuthMethods()
  for (const provider of methods.oauth2.providers) audit.secret(provider.codeVerifier)

  const started = await auth.startOAuth2('oidc', { redirectUrl })
  const callback = await followAuthorize(started.url)
  audit.secret(callback.searchParams.get('code'))
  expect(await audit.attempt('completeOAuth2', () => auth.completeOAuth2(callback.href))).toBeUndefined()
  expect(code(await audit.attempt('completeOAuth2 reuse', () => auth.completeOAuth2(callback.href)))).toBe(
    'oauth2_state_invalid',
  )
  const reusedCode = callback.searchParams.get('code') ?? ''
  const madeUpVerifier = `verifier-${random()}`
  audit.secret(madeUpVerifier)
  expect(
    code(
      await audit.attempt('authWithOAuth2Code reused code', () =>
        auth.authWithOAuth2Code('oidc', reusedCode, madeUpVerifier, redirectUrl),
      ),
    ),
  ).toBe('oauth2_failed')

  oidc.denyNext()
  const denied = await auth.startOAuth2('oidc', { redirectUrl })
  const deniedCallback = await followAuthorize(denied.url)
  expect(
    code(await audit.attempt('completeOAuth2 denied', () => auth.completeOAuth2(deniedCallback.href))),
  ).toBe('oauth2_failed')
  auth.logout()

  // The loopback helper: the test plays the browser, and the page it gets back is audited too.
  for (const deny of [false, true]) {
    if (deny) oidc.denyNext()
    else
      oidc.setUser({
        sub: `sub-${random()}`,
        email: `loop-${random()}@example.com`,
        email_verified: true,
        name: 'L',
      })
    let browser: Promise<void> = Promise.resolve()
    const error = await audit.attempt(`loopback deny=${deny}`, () =>
      authWithOAuth2Loopback(auth, 'oidc', {
        timeoutMs: 20_000,
        openUrl: (url) => {
          browser = (async () => {
            const back = await followAuthorize(url)
            audit.secret(back.searchParams.get('code'))
            const page = await fetch(back)
            audit.show(`loopback page deny=${deny}`, await page.text())
          })()
        },
      }),
    )
    await browser
    expect(code(error)).toBe(deny ? 'oauth2_failed' : undefined)
  }
  auth.logout()
}

/** Superuser from credentials and from the environment, impersonation (renew and not), and its failures. */
export async function impersonationFlows(env: FlowEnv): Promise<void> {
  const { pb, audit } = env
  audit.secret(pb.superuser.password)
  const user = await createUser(pb, 'users', { verified: true })
  audit.secret(user.password)
  const admin = makeClient(env, 'superuser', {
    collection: '_superusers',
    credentials: () => ({ identity: pb.superuser.email, password: pb.superuser.password }),
  })
  audit.secret(await admin.getToken())
  const child = audit.watch(await admin.impersonate(user.id, { durationSeconds: 60, renew: true }), 'child')
  env.clients.push(child)
  audit.secret(child.session?.token)
  expect(
    await audit.attempt('child db', () => createDbInterface(child).collection('posts').getList(1, 5)),
  ).toBeUndefined()
  expect(await audit.attempt('child renew', () => child.authRefresh())).toBeUndefined()
  const fixed = audit.watch(await admin.impersonate(user.id, { durationSeconds: 60 }), 'fixed child')
  env.clients.push(fixed)
  audit.secret(fixed.session?.token)
  expect(code(await audit.attempt('refresh impersonation', () => fixed.authRefresh()))).toBe(
    'token_not_refreshable',
  )
  expect(code(await audit.attempt('impersonate missing', () => admin.impersonate('missing1234567x')))).toBe(
    'not_found',
  )

  const regular = makeClient(env, 'regular')
  await regular.authWithPassword(user.email, user.password)
  expect(code(await audit.attempt('impersonate as user', () => regular.impersonate(user.id)))).toBe(
    'forbidden',
  )

  const wrongSuperPassword = `WrongSuper-${random()}`
  audit.secret(wrongSuperPassword)
  const badAdmin = makeClient(env, 'bad superuser', {
    collection: '_superusers',
    credentials: () => ({ identity: pb.superuser.email, password: wrongSuperPassword }),
  })
  expect(code(await audit.attempt('wrong superuser password', () => badAdmin.getToken()))).toBe(
    'invalid_credentials',
  )

  // createAuthClientFromEnv logs through console.error at debug level: capture that too.
  const consoleLines: string[] = []
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    consoleLines.push(args.map(String).join(' '))
  })
  try {
    const envVars = {
      POCKETBASE_URL: pb.url,
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password,
      POCKETBASE_LOG_LEVEL: 'debug',
    }
    const fromEnv = audit.watch(createAuthClientFromEnv({ env: envVars, fetch: audit.fetch }), 'from env')
    env.clients.push(fromEnv)
    audit.secret(await fromEnv.getToken())
    expect(
      code(
        await audit.attempt('loadEnv bad email', async () =>
          loadEnv({ env: { ...envVars, POCKETBASE_SUPERUSER_EMAIL: 'not an email' } }),
        ),
      ),
    ).toBe('config_invalid')
    audit.show(
      'loadEnv result',
      `${JSON.stringify(loadEnv({ env: envVars }))}\n${inspect(loadEnv({ env: envVars }))}`,
    )
  } finally {
    spy.mockRestore()
  }
  expect(consoleLines.length).toBeGreaterThan(0)
  for (const line of consoleLines) audit.show('console', line)
  admin.logout()
}

/** Transport and configuration failures. */
export async function errorPathFlows(env: FlowEnv): Promise<void> {
  const { pb, audit } = env
  const password = `Unreachable-${random()}`
  audit.secret(password)
  const offline = makeClient(env, 'offline', { url: 'http://127.0.0.1:9' })
  expect(
    code(
      await audit.attempt('connection refused', () => offline.authWithPassword('a@example.com', password)),
    ),
  ).toBe('network')
  const unknown = makeClient(env, 'unknown collection', { collection: 'nope' })
  expect(
    code(
      await audit.attempt('unknown collection', () => unknown.authWithPassword('a@example.com', password)),
    ),
  ).toBe('not_found')
  const nobody = makeClient(env, 'no session')
  expect(
    code(
      await audit.attempt('db without session', () =>
        createDbInterface(nobody).collection('posts').getList(),
      ),
    ),
  ).toBe('not_authenticated')
  expect(
    code(await audit.attempt('bad options', async () => createAuthClient({ url: `not a url ${password}` }))),
  ).toBe('config_invalid')
  expect(pb.url).toMatch(/^http/)
}

/** Every flow, in order. */
export async function runAllFlows(env: FlowEnv): Promise<void> {
  await passwordAndAccountFlows(env)
  await otpAndMfaFlows(env)
  await oauth2Flows(env)
  await impersonationFlows(env)
  await errorPathFlows(env)
}
