import { inspect } from 'node:util'
import { describe, expect, it, vi } from 'vitest'
import type { AuthClientOptions } from '../../src/config.js'
import { NotFoundError } from '../../src/errors/protocol.js'
import { SessionFactory } from '../../src/lifecycle/session-factory.js'
import { SignInRunner } from '../../src/lifecycle/sign-in.js'
import { UnattendedSignIn } from '../../src/lifecycle/unattended-sign-in.js'
import { SessionState } from '../../src/session/session-state.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import type { PasswordCredentials } from '../../src/session/types.js'
import { connectionRefused, deferred, type FakeReply } from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { changeRecorder, partWorld, recordingEmitter } from './parts.js'

const NO_CREDENTIALS = 'getToken: there is no session; sign in first'
const SECRET = 'pw-unattended-7'

type Credentials = NonNullable<AuthClientOptions['credentials']>

/** An UnattendedSignIn built alone over a real SignInRunner, on a fake server. */
function unattended(credentials?: Credentials, collection = 'users') {
  const world = partWorld(
    { collection, ...(credentials === undefined ? {} : { credentials }) },
    { collectionName: collection },
  )
  const { hook, changes } = changeRecorder()
  const state = new SessionState(new MemoryTokenStore(), { sessionChanged: hook })
  const sessions = new SessionFactory(world.config.maxClockSkewSeconds, world.config.logger)
  const { events } = recordingEmitter()
  const signIns = new SignInRunner(world.config, state, sessions, events)
  return { ...world, state, changes, signIn: new UnattendedSignIn(world.config, signIns) }
}

const alice = (): PasswordCredentials => ({ identity: 'alice@example.com', password: SECRET })
const path = (collection: string) => `POST /api/collections/${collection}/auth-with-password`

describe('UnattendedSignIn.run', () => {
  it("signs in with the callback's identity and password to the client's collection, and stores the session", async () => {
    const { signIn, pb, state, changes } = unattended(alice, '_superusers')
    const session = await signIn.run(NO_CREDENTIALS)
    expect(pb.count(path('_superusers'))).toBe(1)
    expect(pb.calls[0]!.body).toEqual({ identity: 'alice@example.com', password: SECRET })
    expect(session.collectionName).toBe('_superusers')
    expect(state.current).toBe(session)
    expect(changes).toEqual([{ kind: 'signedIn', session }])
  })

  it('awaits an async callback', async () => {
    const { signIn, state } = unattended(async () => alice())
    await signIn.run(NO_CREDENTIALS)
    expect(state.current).not.toBeNull()
  })

  it('is single-flight: concurrent callers share one sign-in and one callback call', async () => {
    const credentials = vi.fn(alice)
    const { signIn, pb } = unattended(credentials)
    const held = deferred<FakeReply>()
    pb.on(path('users'), () => held.promise)
    const runs = Array.from({ length: 10 }, () => signIn.run(NO_CREDENTIALS))
    held.resolve(pb.authReply())
    const sessions = await Promise.all(runs)
    expect(new Set(sessions).size).toBe(1)
    expect(credentials).toHaveBeenCalledOnce()
    expect(pb.count(path('users'))).toBe(1)
  })

  it('asks the callback afresh for every sign-in (the client keeps no password)', async () => {
    let n = 0
    const credentials = vi.fn(() => ({ identity: 'alice@example.com', password: `${SECRET}-${++n}` }))
    const { signIn, pb } = unattended(credentials)
    await signIn.run(NO_CREDENTIALS)
    await signIn.run(NO_CREDENTIALS)
    expect(credentials).toHaveBeenCalledTimes(2)
    expect(pb.calls.map((call) => (call.body as PasswordCredentials).password)).toEqual([
      `${SECRET}-1`,
      `${SECRET}-2`,
    ])
  })

  it('logs the sign-in with its collection, never the password', async () => {
    const { signIn, lines } = unattended(alice)
    await signIn.run(NO_CREDENTIALS)
    expect(lines).toContainEqual({
      level: 'info',
      message: 'signing in with credentials',
      context: { collection: 'users' },
    })
    expect(JSON.stringify(lines)).not.toContain(SECRET)
  })
})

describe('UnattendedSignIn.run: failure cases', () => {
  it('without credentials: not_authenticated with the given message, no request', async () => {
    const { signIn, pb } = unattended()
    await expect(signIn.run(NO_CREDENTIALS)).rejects.toMatchObject({
      code: 'not_authenticated',
      message: NO_CREDENTIALS,
    })
    expect(pb.calls).toHaveLength(0)
  })

  it('a callback that throws a plain error: not_authenticated with it as cause; the next call asks again', async () => {
    const failure = new Error('vault unreachable')
    const credentials = vi.fn<Credentials>().mockRejectedValueOnce(failure).mockImplementation(alice)
    const { signIn, pb, state } = unattended(credentials)
    const error = await signIn.run(NO_CREDENTIALS).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'not_authenticated', cause: failure })
    expect(pb.calls).toHaveLength(0)
    await signIn.run(NO_CREDENTIALS)
    expect(credentials).toHaveBeenCalledTimes(2)
    expect(state.current).not.toBeNull()
  })

  it('a callback that throws synchronously is handled the same way', async () => {
    const { signIn } = unattended(() => {
      throw new TypeError('no env')
    })
    await expect(signIn.run(NO_CREDENTIALS)).rejects.toMatchObject({ code: 'not_authenticated' })
  })

  it('a callback that throws an AuthError: rethrown as it is', async () => {
    const own = new NotFoundError('vault: no such secret')
    const { signIn } = unattended(() => Promise.reject(own))
    await expect(signIn.run(NO_CREDENTIALS)).rejects.toBe(own)
  })

  it.each([
    ['an empty password', { identity: 'alice@example.com', password: '' }],
    ['no identity', { password: SECRET }],
    ['a number as password', { identity: 'alice@example.com', password: 1234 }],
    ['null', null],
    ['a string', SECRET],
  ])(
    'a callback that returns %s: config_invalid naming credentials, not echoing it, no request',
    async (_, given) => {
      const { signIn, pb } = unattended((() => given) as unknown as Credentials)
      const error = await signIn.run(NO_CREDENTIALS).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'config_invalid', issues: [{ path: 'credentials' }] })
      expect(inspect(error, { showHidden: true, depth: 8 })).not.toContain(SECRET)
      expect(JSON.stringify(error)).not.toContain(SECRET)
      expect(pb.calls).toHaveLength(0)
    },
  )

  it("a refused sign-in rejects every waiting caller with the server's answer; the next call tries again", async () => {
    const { signIn, pb } = unattended(alice)
    pb.on(path('users'), () => ({ status: 400, body: PB_BODIES.failedToAuthenticate }))
    const runs = [signIn.run(NO_CREDENTIALS), signIn.run(NO_CREDENTIALS)]
    for (const run of runs) await expect(run).rejects.toMatchObject({ code: 'invalid_credentials' })
    expect(pb.count(path('users'))).toBe(1)
    pb.on(path('users'), () => pb.authReply())
    await signIn.run(NO_CREDENTIALS)
    expect(pb.count(path('users'))).toBe(2)
  })

  it('a network failure is rethrown as network', async () => {
    const { signIn, pb } = unattended(alice)
    pb.on(path('users'), () => connectionRefused())
    await expect(signIn.run(NO_CREDENTIALS)).rejects.toMatchObject({ code: 'network' })
  })
})
