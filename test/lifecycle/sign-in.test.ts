import { describe, expect, it } from 'vitest'
import type { AuthClientOptions } from '../../src/config.js'
import { ConfigError } from '../../src/errors/config-error.js'
import { MfaRequiredError } from '../../src/errors/mfa.js'
import { SessionFactory } from '../../src/lifecycle/session-factory.js'
import { SignInRunner } from '../../src/lifecycle/sign-in.js'
import { passwordSignIn } from '../../src/flows/password.js'
import type { ReceivedAuth } from '../../src/session/build-session.js'
import { SessionState } from '../../src/session/session-state.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import { connectionRefused, deferred, type FakeReply } from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { changeRecorder, partWorld, receivedFrom, recordingEmitter } from './parts.js'

const PASSWORD = 'POST /api/collections/users/auth-with-password'
const AUTH_METHODS = 'GET /api/collections/users/auth-methods'

/** A SignInRunner built alone from a state, a factory and an emitter, on a fake server. */
function runner(options: Partial<AuthClientOptions> = {}) {
  const world = partWorld(options)
  const { hook, changes } = changeRecorder()
  const state = new SessionState(new MemoryTokenStore(), { sessionChanged: hook })
  const sessions = new SessionFactory(world.config.maxClockSkewSeconds, world.config.logger)
  const { events, seen } = recordingEmitter()
  const signIns = new SignInRunner(world.config, state, sessions, events)
  const password =
    (pw = 'pw-secret-1') =>
    () =>
      passwordSignIn(world.config, 'users', 'alice@example.com', pw)
  return { ...world, state, changes, seen, signIns, password }
}

/** An auth-methods body with MFA on for `duration` seconds (or off). */
function authMethodsBody(mfa: { enabled: boolean; duration: number }): FakeReply {
  return {
    status: 200,
    body: {
      password: { enabled: true, identityFields: ['email'] },
      oauth2: { enabled: false, providers: [] },
      mfa,
      otp: { enabled: true, duration: 180 },
    },
  }
}

describe('SignInRunner.run', () => {
  it('stores the new session as signedIn and resolves with it', async () => {
    const { signIns, state, changes, pb, password } = runner()
    const session = await signIns.run('password', password())
    expect(state.current).toBe(session)
    expect(changes).toEqual([{ kind: 'signedIn', session }])
    expect(session.recordId).toBe('record1234567ab')
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('applies the bounded clock offset of the response through its SessionFactory', async () => {
    const { signIns, pb, clock } = runner()
    const received = receivedFrom(pb, clock, { tokenSeconds: 3600, clockOffsetMs: 120_000 })
    const session = await signIns.run('password', async () => received)
    expect(session.expiresAt).toBe(clock.now + 3_600_000 - 120_000)
  })

  it('a later sign-in wins: an earlier one is discarded with aborted, even when it finishes first', async () => {
    const { signIns, state, changes, pb, clock } = runner()
    const first = deferred<ReceivedAuth>()
    const second = deferred<ReceivedAuth>()
    const a = signIns.run('password', () => first.promise)
    const b = signIns.run('otp', () => second.promise)
    first.resolve(receivedFrom(pb, clock))
    await expect(a).rejects.toMatchObject({
      code: 'aborted',
      message: expect.stringContaining('password sign-in discarded'),
    })
    expect(state.current).toBeNull()
    second.resolve(receivedFrom(pb, clock))
    const session = await b
    expect(state.current).toBe(session)
    expect(changes).toHaveLength(1)
  })

  it('supersedeSignIns() (logout) while the request is held discards its answer: aborted, nothing stored', async () => {
    const { signIns, state, changes, pb, password } = runner()
    const held = deferred<FakeReply>()
    pb.on(PASSWORD, () => held.promise)
    const run = signIns.run('password', password())
    state.supersedeSignIns()
    held.resolve(pb.authReply())
    await expect(run).rejects.toMatchObject({ code: 'aborted' })
    expect(state.current).toBeNull()
    expect(changes).toEqual([])
  })

  it('a call whose arguments are bad fails before it supersedes the sign-in in flight', async () => {
    const { signIns, state, pb, password, lines } = runner()
    const held = deferred<FakeReply>()
    pb.on(PASSWORD, () => held.promise)
    const inFlight = signIns.run('password', password())
    await expect(signIns.run('password', password(''))).rejects.toBeInstanceOf(ConfigError)
    expect(pb.count(PASSWORD)).toBe(1)
    held.resolve(pb.authReply())
    const session = await inFlight
    expect(state.current).toBe(session)
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'sign-in failed',
      context: { collection: 'users', factor: 'password', code: 'config_invalid' },
    })
  })

  it('a failed request is rethrown as it is, logged with its code, and stores nothing', async () => {
    const { signIns, state, changes, pb, password, lines } = runner()
    pb.on(PASSWORD, () => ({ status: 400, body: PB_BODIES.failedToAuthenticate }))
    await expect(signIns.run('password', password())).rejects.toMatchObject({
      code: 'invalid_credentials',
      reason: 'credentials',
    })
    pb.on(PASSWORD, () => connectionRefused())
    await expect(signIns.run('password', password())).rejects.toMatchObject({ code: 'network' })
    expect(state.current).toBeNull()
    expect(changes).toEqual([])
    expect(
      lines.filter((line) => line.message === 'sign-in failed').map((line) => line.context?.code),
    ).toEqual(['invalid_credentials', 'network'])
  })

  it('never logs the password', async () => {
    const { signIns, pb, password, lines } = runner()
    pb.on(PASSWORD, () => ({ status: 400, body: PB_BODIES.failedToAuthenticate }))
    await signIns.run('password', password('pw-very-secret-9')).catch(() => undefined)
    expect(JSON.stringify(lines)).not.toContain('pw-very-secret-9')
  })

  it('a failure that is not an AuthError is rethrown as it is, logged with code unknown', async () => {
    const { signIns, lines } = runner()
    const boom = new Error('boom')
    await expect(signIns.run('password', () => Promise.reject(boom))).rejects.toBe(boom)
    expect(lines.at(-1)?.context).toMatchObject({ code: 'unknown' })
  })
})

describe('SignInRunner.run: MFA', () => {
  it('turns a 401 { mfaId } into mfa_required with expiresAt from the remembered MFA duration, and emits it', async () => {
    const { signIns, pb, password, seen, clock, state } = runner()
    signIns.rememberMfaDuration(600)
    pb.on(PASSWORD, () => ({ status: 401, body: PB_BODIES.mfaRequired }))
    const error = await signIns.run('password', password()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MfaRequiredError)
    expect(error).toMatchObject({
      code: 'mfa_required',
      mfaId: 'kq6dthldmghvm1t',
      firstFactor: 'password',
      expiresAt: clock.now + 600_000,
      status: 401,
    })
    expect(seen.mfaRequired).toEqual([
      { mfaId: 'kq6dthldmghvm1t', expiresAt: clock.now + 600_000, firstFactor: 'password' },
    ])
    expect(pb.count(AUTH_METHODS)).toBe(0)
    expect(state.current).toBeNull()
  })

  it('looks the MFA duration up once when it is not known yet, then remembers it', async () => {
    const { signIns, pb, password, clock } = runner()
    pb.on(PASSWORD, () => ({ status: 401, body: PB_BODIES.mfaRequired }))
    pb.on(AUTH_METHODS, () => authMethodsBody({ enabled: true, duration: 300 }))
    const first = await signIns.run('password', password()).catch((e: unknown) => e)
    const second = await signIns.run('password', password()).catch((e: unknown) => e)
    expect(first).toMatchObject({ expiresAt: clock.now + 300_000 })
    expect(second).toMatchObject({ expiresAt: clock.now + 300_000 })
    expect(pb.count(AUTH_METHODS)).toBe(1)
  })

  it('a failed look-up leaves expiresAt unset: still mfa_required and an event, the failure logged', async () => {
    const { signIns, pb, password, seen, lines } = runner()
    pb.on(PASSWORD, () => ({ status: 401, body: PB_BODIES.mfaRequired }))
    pb.on(AUTH_METHODS, () => connectionRefused())
    const error = await signIns.run('password', password()).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'mfa_required', mfaId: 'kq6dthldmghvm1t' })
    expect((error as MfaRequiredError).expiresAt).toBeUndefined()
    expect(seen.mfaRequired).toEqual([
      { mfaId: 'kq6dthldmghvm1t', expiresAt: undefined, firstFactor: 'password' },
    ])
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'sign-in failed',
      context: { collection: 'users', factor: 'auth-methods', code: 'network' },
    })
  })

  it('an MFA answer of a superseded sign-in is aborted (cause: the MFA error) and emits no mfaRequired', async () => {
    const { signIns, pb, password, seen, state } = runner()
    signIns.rememberMfaDuration(600)
    const held = deferred<FakeReply>()
    pb.on(PASSWORD, () => held.promise)
    const run = signIns.run('password', password())
    state.supersedeSignIns()
    held.resolve({ status: 401, body: PB_BODIES.mfaRequired })
    const error = await run.catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'aborted', cause: expect.any(MfaRequiredError) })
    expect(seen.mfaRequired).toEqual([])
  })

  it('rememberMfaDuration(undefined) (MFA off) makes the next MFA answer look the duration up', async () => {
    const { signIns, pb, password } = runner()
    signIns.rememberMfaDuration(600)
    signIns.rememberMfaDuration(undefined)
    pb.on(PASSWORD, () => ({ status: 401, body: PB_BODIES.mfaRequired }))
    pb.on(AUTH_METHODS, () => authMethodsBody({ enabled: false, duration: 0 }))
    const error = await signIns.run('password', password()).catch((e: unknown) => e)
    expect(pb.count(AUTH_METHODS)).toBe(1)
    expect((error as MfaRequiredError).expiresAt).toBeUndefined()
  })
})

describe('SignInRunner.runOAuth2', () => {
  it('resolves with the session plus the provider meta; the stored session has no meta', async () => {
    const { signIns, pb, clock, state } = runner()
    const received = receivedFrom(pb, clock)
    const meta = {
      id: 'sub-1',
      name: 'Alice',
      email: 'alice@example.com',
      isNew: true,
      accessToken: 'at-secret',
    }
    const result = await signIns.runOAuth2(async () => ({ ...received, body: { ...received.body, meta } }))
    expect(result.meta).toMatchObject({ id: 'sub-1', name: 'Alice', isNew: true, accessToken: 'at-secret' })
    expect(result.token).toBe(received.body.token)
    expect(Object.isFrozen(result)).toBe(true)
    expect(state.current).not.toHaveProperty('meta')
    expect(state.current?.token).toBe(result.token)
  })

  it('reads a missing meta as empty fields', async () => {
    const { signIns, pb, clock } = runner()
    const result = await signIns.runOAuth2(async () => receivedFrom(pb, clock))
    expect(result.meta).toMatchObject({ id: '', isNew: false, rawUser: {} })
  })

  it('an OAuth2 MFA answer names the oauth2 factor', async () => {
    const { signIns, seen } = runner()
    signIns.rememberMfaDuration(60)
    const mfa = new MfaRequiredError('mfa-oauth', 'oauth2', undefined)
    await expect(signIns.runOAuth2(() => Promise.reject(mfa))).rejects.toMatchObject({
      code: 'mfa_required',
      firstFactor: 'oauth2',
    })
    expect(seen.mfaRequired[0]).toMatchObject({ firstFactor: 'oauth2', mfaId: 'mfa-oauth' })
  })

  it('a bad callback (a request that throws synchronously) supersedes nothing', async () => {
    const { signIns, pb, clock, state } = runner()
    const held = deferred<ReceivedAuth>()
    const inFlight = signIns.run('password', () => held.promise)
    await expect(
      signIns.runOAuth2(() => {
        throw new ConfigError([{ path: 'callback', message: 'bad' }])
      }),
    ).rejects.toMatchObject({ code: 'config_invalid' })
    held.resolve(receivedFrom(pb, clock))
    const session = await inFlight
    expect(state.current).toBe(session)
  })
})
