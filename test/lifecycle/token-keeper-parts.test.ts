/**
 * TokenKeeper built by hand from real parts (state, factory, sign-in runner, refresher, unattended sign-in), with
 * no AuthClient and no SessionLifecycle: what it decides for each token, failure and origin.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AuthClientOptions } from '../../src/config.js'
import { TokenExpiredError } from '../../src/errors/session-errors.js'
import { SessionFactory } from '../../src/lifecycle/session-factory.js'
import { SignInRunner } from '../../src/lifecycle/sign-in.js'
import { TokenKeeper } from '../../src/lifecycle/token-keeper.js'
import { TokenRefresher, type Renewal } from '../../src/lifecycle/token-refresher.js'
import { UnattendedSignIn } from '../../src/lifecycle/unattended-sign-in.js'
import { SessionState } from '../../src/session/session-state.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import {
  REJECTED_TOKEN,
  connectionRefused,
  createFakePocketBase,
  deferred,
  type FakePocketBaseOptions,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { changeRecorder, partWorld, receivedFrom, recordingEmitter, sessionFrom } from './parts.js'

const REFRESH = 'POST /api/collections/users/auth-refresh'
const PASSWORD = 'POST /api/collections/users/auth-with-password'
const credentials = (): { identity: string; password: string } => ({
  identity: 'alice@example.com',
  password: 'pw-keeper-1',
})

beforeEach(() => {
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  vi.restoreAllMocks()
})

/** Every part built in order, by hand; 60 s tokens, so a token is due 12 s before it expires. */
function keeperWorld(
  options: Partial<AuthClientOptions> = {},
  server: FakePocketBaseOptions = {},
  child: { renew?: Renewal; isChild?: boolean } = {},
) {
  const world = partWorld(options, { tokenSeconds: 60, ...server })
  const { config } = world
  const { hook, changes } = changeRecorder()
  const state = new SessionState(new MemoryTokenStore(), { sessionChanged: hook })
  const sessions = new SessionFactory(config.maxClockSkewSeconds, config.logger)
  const { events, seen } = recordingEmitter()
  const signIns = new SignInRunner(config, state, sessions, events)
  const refresher = new TokenRefresher(config, state, sessions, events, child.renew)
  const unattended = new UnattendedSignIn(config, signIns)
  const keeper = new TokenKeeper(config, state, refresher, unattended, child.isChild ?? false)
  const signIn = (overrides: { refreshable?: boolean } = {}) => {
    const session = sessionFrom(world.pb, world.clock, overrides)
    state.apply(session, 'signedIn')
    return session
  }
  const due = () => {
    world.clock.now = state.current!.expiresAt - 5_000
  }
  const expire = () => {
    world.clock.now = state.current!.expiresAt + 1_000
  }
  return { ...world, state, changes, seen, refresher, keeper, signIn, due, expire }
}

const reasons = (changes: ReturnType<typeof changeRecorder>['changes']) =>
  changes.flatMap((change) => (change.kind === 'signedOut' ? [change.reason] : []))

describe('TokenKeeper.maySignInUnattended', () => {
  it('is false without credentials, whoever asks', () => {
    const { keeper } = keeperWorld()
    expect(keeper.maySignInUnattended('caller')).toBe(false)
    expect(keeper.maySignInUnattended('background')).toBe(false)
  })

  it('with credentials: always for a caller; for the background only until markLoggedOut(), again after noteSignedIn()', () => {
    const { keeper } = keeperWorld({ credentials })
    expect(keeper.maySignInUnattended('background')).toBe(true)
    keeper.markLoggedOut()
    expect(keeper.maySignInUnattended('caller')).toBe(true)
    expect(keeper.maySignInUnattended('background')).toBe(false)
    keeper.noteSignedIn()
    expect(keeper.maySignInUnattended('background')).toBe(true)
  })
})

describe('TokenKeeper.getToken: with a session', () => {
  it('returns a token that is not due without a request', async () => {
    const { keeper, signIn, pb } = keeperWorld()
    const session = signIn()
    expect(await keeper.getToken()).toBe(session.token)
    expect(pb.calls).toHaveLength(0)
  })

  it('refreshes a due token first, once for concurrent callers', async () => {
    const { keeper, signIn, due, pb, state } = keeperWorld()
    const first = signIn()
    due()
    const tokens = await Promise.all([keeper.getToken(), keeper.getToken(), keeper.getToken('background')])
    expect(new Set(tokens)).toEqual(new Set([state.current!.token]))
    expect(tokens[0]).not.toBe(first.token)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('an impersonation token without renew: returned while valid, even when due; no request', async () => {
    const { keeper, signIn, due, pb } = keeperWorld()
    const session = signIn({ refreshable: false })
    due()
    expect(await keeper.getToken()).toBe(session.token)
    expect(pb.calls).toHaveLength(0)
  })

  it('an expired impersonation token without renew ends the session (expired): token_expired, "sign in again"', async () => {
    const { keeper, signIn, expire, changes, state } = keeperWorld()
    signIn({ refreshable: false })
    expire()
    await expect(keeper.getToken()).rejects.toMatchObject({
      code: 'token_expired',
      message: expect.stringContaining('sign in again'),
    })
    expect(state.current).toBeNull()
    expect(reasons(changes)).toEqual(['expired'])
  })

  it('a child is told to impersonate again through the parent', async () => {
    const { keeper, signIn, expire } = keeperWorld({}, {}, { isChild: true })
    signIn({ refreshable: false })
    expire()
    await expect(keeper.getToken()).rejects.toMatchObject({
      message: expect.stringContaining('impersonate again through the parent'),
    })
  })

  it('renews a due impersonation token of a child with renew', async () => {
    const parent = createFakePocketBase({ refreshable: false, tokenSeconds: 60 })
    let clock = { now: 0 }
    const renew = vi.fn(async () => receivedFrom(parent, clock, { refreshable: false }))
    const world = keeperWorld({}, {}, { renew, isChild: true })
    clock = world.clock
    world.signIn({ refreshable: false })
    world.due()
    const token = await world.keeper.getToken()
    expect(renew).toHaveBeenCalledOnce()
    expect(token).toBe(world.state.current!.token)
    expect(world.pb.calls).toHaveLength(0)
  })
})

describe('TokenKeeper.getToken: after a failed refresh (the setback)', () => {
  it('during the backoff, a still-valid token is returned without asking the server again', async () => {
    const { keeper, signIn, due, pb } = keeperWorld()
    const session = signIn()
    due()
    pb.on(REFRESH, () => connectionRefused())
    expect(await keeper.getToken()).toBe(session.token)
    expect(await keeper.getToken()).toBe(session.token)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('logs the failed refresh as a warning with its code when it falls back to the valid token', async () => {
    const { keeper, signIn, due, pb, lines } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => connectionRefused())
    await keeper.getToken()
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'refresh failed; using the still-valid token',
      context: { code: 'network', collection: 'users', recordId: 'record1234567ab' },
    })
  })

  it('after the backoff, tries again', async () => {
    const { keeper, signIn, due, pb, clock, refresher } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => connectionRefused())
    await keeper.getToken()
    clock.now = refresher.setback!.until
    await keeper.getToken()
    expect(pb.count(REFRESH)).toBe(2)
  })

  it('an expired token after an unreachable server is refreshed at once, inside the backoff (the server may be back)', async () => {
    const { keeper, signIn, due, expire, pb, refresher, clock, state } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => connectionRefused())
    await keeper.getToken()
    expire()
    pb.on(REFRESH, () => connectionRefused())
    await expect(keeper.getToken()).rejects.toMatchObject({
      code: 'refresh_failed',
      cause: { code: 'network' },
    })
    expect(clock.now).toBeLessThan(refresher.setback!.until)
    pb.on(REFRESH, () => pb.authReply())
    const token = await keeper.getToken()
    expect(token).toBe(state.current!.token)
    expect(pb.count(REFRESH)).toBe(3)
  })

  it('an expired token after a rate limit waits it out: refresh_failed naming the wait, with the cause, no request', async () => {
    const { keeper, signIn, due, expire, pb } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => ({
      status: 429,
      body: PB_BODIES.tooManyRequests,
      headers: { 'Retry-After': '600' },
    }))
    await keeper.getToken()
    expire()
    const error = await keeper.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'refresh_failed',
      message: expect.stringMatching(/last refresh failed \(rate_limited\); next try in \d+ ms/),
      cause: { code: 'rate_limited' },
    })
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('an expired token whose first refresh fails: refresh_failed with the failure as cause; the session is kept', async () => {
    const { keeper, signIn, expire, pb, state, changes } = keeperWorld()
    const session = signIn()
    expire()
    pb.on(REFRESH, () => ({ status: 500, body: { data: {}, message: 'Something went wrong.', status: 500 } }))
    await expect(keeper.getToken()).rejects.toMatchObject({
      code: 'refresh_failed',
      cause: { code: 'server_error' },
    })
    expect(state.current).toBe(session)
    expect(reasons(changes)).toEqual([])
  })

  it('markLoggedOut() forgets the setback', async () => {
    const { keeper, signIn, due, pb, refresher } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => connectionRefused())
    await keeper.getToken()
    keeper.markLoggedOut()
    expect(refresher.setback).toBeUndefined()
  })
})

describe('TokenKeeper.getToken: without a session, and rejected tokens', () => {
  it('without a session or credentials: not_authenticated telling how to sign in, no request', async () => {
    const { keeper, pb } = keeperWorld()
    await expect(keeper.getToken()).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('create the client with `credentials`'),
    })
    expect(pb.calls).toHaveLength(0)
  })

  it('a child without a session is told to impersonate again, never to pass credentials', async () => {
    const { keeper } = keeperWorld({}, {}, { isChild: true })
    const error = await keeper.getToken().catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('impersonate again'),
    })
    expect((error as Error).message).not.toContain('credentials')
  })

  it('without a session, with credentials: signs in once for concurrent callers', async () => {
    const { keeper, pb, state } = keeperWorld({ credentials })
    const tokens = await Promise.all([keeper.getToken(), keeper.getToken()])
    expect(tokens).toEqual([state.current!.token, state.current!.token])
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('after markLoggedOut(): the background may not sign in (message names logout()), a caller may', async () => {
    const { keeper, pb } = keeperWorld({ credentials })
    keeper.markLoggedOut()
    await expect(keeper.getToken('background')).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('logout()'),
    })
    expect(pb.calls).toHaveLength(0)
    await keeper.getToken('caller')
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('a refresh rejected with 401 ends the session (revoked) and signs in again through credentials', async () => {
    const { keeper, signIn, due, pb, state, changes } = keeperWorld({ credentials })
    signIn()
    due()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    const token = await keeper.getToken()
    expect(token).toBe(state.current!.token)
    expect(pb.count(PASSWORD)).toBe(1)
    expect(changes.map((c) => c.kind)).toEqual(['signedIn', 'signedOut', 'signedIn'])
    expect(reasons(changes)).toEqual(['revoked'])
  })

  it('a refresh rejected with 401 and no credentials: token_expired, the session ended', async () => {
    const { keeper, signIn, due, pb, state } = keeperWorld()
    signIn()
    due()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(keeper.getToken()).rejects.toMatchObject({ code: 'token_expired' })
    expect(state.current).toBeNull()
  })

  it('a 401 on a background refresh after markLoggedOut() does not sign in through credentials', async () => {
    const { keeper, signIn, due, pb } = keeperWorld({ credentials })
    signIn()
    keeper.markLoggedOut()
    due()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await expect(keeper.getToken('background')).rejects.toMatchObject({ code: 'token_expired' })
    expect(pb.count(PASSWORD)).toBe(0)
  })

  it('a session ended while its refresh ran (logout): not_authenticated, and no sign-in through credentials', async () => {
    const { keeper, signIn, due, pb, state } = keeperWorld({ credentials })
    signIn()
    due()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = keeper.getToken()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    state.supersedeSignIns()
    keeper.markLoggedOut()
    state.end('logout')
    held.resolve(pb.authReply())
    await expect(pending).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('signed out while the token was being refreshed'),
    })
    expect(pb.count(PASSWORD)).toBe(0)
  })

  it("a newer sign-in while the refresh ran: the newer session's token", async () => {
    const { keeper, signIn, due, pb } = keeperWorld()
    signIn()
    due()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = keeper.getToken()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    const newer = signIn()
    held.resolve(pb.authReply())
    expect(await pending).toBe(newer.token)
  })
})

describe('TokenKeeper.recoverRejected', () => {
  it('a token another caller already replaced: the current token, no request', async () => {
    const { keeper, signIn, pb } = keeperWorld()
    const old = signIn()
    const current = signIn()
    expect(await keeper.recoverRejected(old.token)).toBe(current.token)
    expect(pb.calls).toHaveLength(0)
  })

  it('a refreshable token: refreshed, even when not due', async () => {
    const { keeper, signIn, pb, state } = keeperWorld()
    const session = signIn()
    const token = await keeper.recoverRejected(session.token)
    expect(token).toBe(state.current!.token)
    expect(token).not.toBe(session.token)
    expect(pb.count(REFRESH)).toBe(1)
  })

  it('an impersonated child with renew: renewed, the session kept (not revoked)', async () => {
    const parent = createFakePocketBase({ refreshable: false, tokenSeconds: 60 })
    const world = keeperWorld(
      {},
      {},
      {
        renew: async () => receivedFrom(parent, world.clock, { refreshable: false }),
        isChild: true,
      },
    )
    const session = world.signIn({ refreshable: false })
    const token = await world.keeper.recoverRejected(session.token)
    expect(token).not.toBe(session.token)
    expect(reasons(world.changes)).toEqual([])
  })

  it('a non-refreshable token without renew: the session ends as revoked; token_expired without credentials', async () => {
    const { keeper, signIn, changes } = keeperWorld()
    const session = signIn({ refreshable: false })
    await expect(keeper.recoverRejected(session.token)).rejects.toMatchObject({
      code: 'token_expired',
      message: expect.stringContaining('the server rejected the token'),
    })
    expect(reasons(changes)).toEqual(['revoked'])
  })

  it('a non-refreshable token past its expiry ends as expired', async () => {
    const { keeper, signIn, expire, changes } = keeperWorld()
    const session = signIn({ refreshable: false })
    expire()
    await keeper.recoverRejected(session.token).catch(() => undefined)
    expect(reasons(changes)).toEqual(['expired'])
  })

  it('with credentials, signs in again after ending it', async () => {
    const { keeper, signIn, pb, state } = keeperWorld({ credentials })
    const session = signIn({ refreshable: false })
    const token = await keeper.recoverRejected(session.token)
    expect(token).toBe(state.current!.token)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('after markLoggedOut(), a background recovery never signs in', async () => {
    const { keeper, signIn, pb } = keeperWorld({ credentials })
    const session = signIn({ refreshable: false })
    keeper.markLoggedOut()
    await expect(keeper.recoverRejected(session.token, 'background')).rejects.toMatchObject({
      code: 'token_expired',
    })
    expect(pb.count(PASSWORD)).toBe(0)
  })

  it('a refresh that the server also rejects: signs in through credentials', async () => {
    const { keeper, signIn, pb } = keeperWorld({ credentials })
    const session = signIn()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await keeper.recoverRejected(session.token)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('a refresh that fails on the network: that failure, the session kept', async () => {
    const { keeper, signIn, pb, state } = keeperWorld({ credentials })
    const session = signIn()
    pb.on(REFRESH, () => connectionRefused())
    await expect(keeper.recoverRejected(session.token)).rejects.toMatchObject({ code: 'network' })
    expect(state.current).toBe(session)
    expect(pb.count(PASSWORD)).toBe(0)
  })

  it('without a session: as getToken (background), signing in through credentials', async () => {
    const { keeper, pb } = keeperWorld({ credentials })
    await keeper.recoverRejected('some-old-token')
    expect(pb.count(PASSWORD)).toBe(1)
  })
})

describe('TokenKeeper.withToken', () => {
  it('runs the call with a token and resolves with its result', async () => {
    const { keeper, signIn } = keeperWorld()
    const session = signIn()
    const call = vi.fn(async (token: string) => `ok:${token.length}`)
    expect(await keeper.withToken(call)).toBe(`ok:${session.token.length}`)
    expect(call).toHaveBeenCalledWith(session.token)
  })

  it('a call rejected with token_expired is run once more with the recovered token', async () => {
    const { keeper, signIn, state } = keeperWorld()
    const session = signIn()
    const seenTokens: string[] = []
    const result = await keeper.withToken(async (token) => {
      seenTokens.push(token)
      if (token === session.token) throw new TokenExpiredError('GET /x (401): rejected')
      return 'second time'
    })
    expect(result).toBe('second time')
    expect(seenTokens).toEqual([session.token, state.current!.token])
  })

  it('recovers once only: a second rejection goes to the caller', async () => {
    const { keeper, signIn } = keeperWorld()
    signIn()
    const call = vi.fn(async () => {
      throw new TokenExpiredError('GET /x (401): rejected')
    })
    await expect(keeper.withToken(call)).rejects.toMatchObject({ code: 'token_expired' })
    expect(call).toHaveBeenCalledTimes(2)
  })

  it('any other failure of the call is rethrown without recovery', async () => {
    const { keeper, signIn, pb } = keeperWorld()
    signIn()
    const boom = new Error('boom')
    const call = vi.fn(async () => Promise.reject(boom))
    await expect(keeper.withToken(call)).rejects.toBe(boom)
    expect(call).toHaveBeenCalledOnce()
    expect(pb.calls).toHaveLength(0)
  })

  it('after markLoggedOut(), the first token may still come from an explicit caller sign-in', async () => {
    const { keeper, pb } = keeperWorld({ credentials })
    keeper.markLoggedOut()
    await keeper.withToken(async () => 'ok', 'caller')
    expect(pb.count(PASSWORD)).toBe(1)
  })
})

describe('TokenKeeper.dispose', () => {
  it('every later getToken, recoverRejected, withToken and signInWithCredentials: not_authenticated naming dispose()', async () => {
    const { keeper, signIn, pb } = keeperWorld({ credentials })
    const session = signIn()
    keeper.dispose()
    keeper.dispose()
    const refused = { code: 'not_authenticated', message: expect.stringContaining('dispose()') }
    await expect(keeper.getToken()).rejects.toMatchObject(refused)
    await expect(keeper.recoverRejected(session.token)).rejects.toMatchObject(refused)
    await expect(keeper.withToken(async () => 'x')).rejects.toMatchObject(refused)
    await expect(keeper.signInWithCredentials()).rejects.toMatchObject(refused)
    expect(pb.calls).toHaveLength(0)
  })

  it('a getToken waiting for a refresh when dispose() comes: refused, nothing stored', async () => {
    const { keeper, signIn, due, pb, state } = keeperWorld({ credentials })
    const session = signIn()
    due()
    const held = deferred<FakeReply>()
    pb.on(REFRESH, () => held.promise)
    const pending = keeper.getToken()
    await vi.waitFor(() => expect(pb.count(REFRESH)).toBe(1))
    keeper.dispose()
    held.resolve(pb.authReply())
    await expect(pending).rejects.toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('dispose()'),
    })
    expect(state.current).toBe(session)
    expect(pb.count(PASSWORD)).toBe(0)
  })
})

describe('TokenKeeper.signInWithCredentials', () => {
  it('signs in through the callback', async () => {
    const { keeper, state, pb } = keeperWorld({ credentials })
    const session = await keeper.signInWithCredentials()
    expect(state.current).toBe(session)
    expect(pb.count(PASSWORD)).toBe(1)
  })

  it('without credentials: not_authenticated', async () => {
    const { keeper } = keeperWorld()
    await expect(keeper.signInWithCredentials()).rejects.toMatchObject({ code: 'not_authenticated' })
  })
})
