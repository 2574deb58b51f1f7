/**
 * Sign-ins, children and MFA answers that a logout() or dispose() overtook. Each of these was a defect found while
 * unit-testing the lifecycle parts alone (fixed in 07066e4); the tests state the behaviour the parts promise and
 * fail on the code before that fix.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { resolveConfig } from '../../src/config.js'
import { passwordSignIn } from '../../src/flows/password.js'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { SessionLifecycle } from '../../src/lifecycle/session-lifecycle.js'
import { MemoryTokenStore } from '../../src/session/token-store.js'
import type { PasswordCredentials } from '../../src/session/types.js'
import {
  REJECTED_TOKEN,
  createFakePocketBase,
  deferred,
  type Deferred,
  type FakeReply,
} from '../fixtures/fake-pocketbase.js'
import { PB_BODIES } from '../helpers/factories.js'
import { receivedFrom, sessionFrom, START } from './parts.js'

const PASSWORD = 'POST /api/collections/users/auth-with-password'
const REFRESH = 'POST /api/collections/users/auth-refresh'

const lifecycles: SessionLifecycle[] = []
const clients: AuthClient[] = []

beforeEach(() => {
  vi.useFakeTimers({ now: START })
  vi.spyOn(Math, 'random').mockReturnValue(0)
})

afterEach(() => {
  for (const life of lifecycles.splice(0)) life.dispose()
  for (const client of clients.splice(0)) client.dispose()
  vi.restoreAllMocks()
  vi.useRealTimers()
})

/** A lifecycle whose `credentials` callback answers only when the test releases `pending.current`. */
function slowCredentials(collection = 'users', autoRefresh = true) {
  const pb = createFakePocketBase({ tokenSeconds: 60, collectionName: collection })
  const pending: { current: Deferred<PasswordCredentials> } = { current: deferred() }
  let asked = 0
  const config = resolveConfig({
    url: 'http://pb.test',
    collection,
    autoRefresh,
    fetch: pb.fetch,
    credentials: () => {
      asked++
      return pending.current.promise
    },
  })
  const life = new SessionLifecycle(config, new MemoryTokenStore())
  lifecycles.push(life)
  const answer = () => pending.current.resolve({ identity: 'admin@example.com', password: 'pw-slow-vault' })
  return { pb, life, pending, answer, asked: () => asked }
}

describe('a credentials sign-in whose callback is still running when logout() comes is discarded', () => {
  // UnattendedSignIn awaits the `credentials` callback BEFORE SignInRunner.run() takes its sign-in intent
  // (state.beginSignIn()), so SessionLifecycle.logout() → state.supersedeSignIns() has nothing to make stale:
  // when the callback answers, the password sign-in starts as the latest one and its session is stored.

  it('background: the refresh timer found the token rejected, the re-sign-in was asking credentials, logout()', async () => {
    const { pb, life, pending, answer, asked } = slowCredentials()
    answer()
    await life.keeper.getToken('caller') // signed in
    pending.current = deferred()
    pb.on(REFRESH, () => REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(48_000) // due: refresh → 401 → session ended → sign in again → asks
    expect(asked()).toBe(2)
    expect(life.state.current).toBeNull()

    life.logout()
    answer()
    await vi.advanceTimersByTimeAsync(0)

    // "After logout() no background path (timer, renewal, db retry) signs in again" (issue 12, section 2).
    expect(pb.count(PASSWORD)).toBe(1)
    expect(life.state.current).toBeNull()
  })

  it("through a child's renewal: the parent's logout() ends the child, then the renewal signs the parent back in", async () => {
    const { pb, life: parent, pending, answer } = slowCredentials('_superusers', false)
    answer()
    await parent.keeper.getToken('caller')
    const children = createFakePocketBase({ tokenSeconds: 60, refreshable: false })
    const childClock = { now: Date.now() }
    // As AuthClient.impersonate() wires `renew`: the parent's token through its keeper, as a background path.
    const renew = () =>
      parent.keeper.withToken(
        async () => receivedFrom(children, childClock, { refreshable: false }),
        'background',
      )
    const child = new SessionLifecycle(
      resolveConfig({ url: 'http://pb.test', fetch: children.fetch, autoRefresh: false }),
      new MemoryTokenStore(),
      { session: sessionFrom(children, childClock, { refreshable: false }), renew },
    )
    lifecycles.push(child)
    parent.adopt(child)

    pending.current = deferred()
    pb.on('POST /api/collections/_superusers/auth-refresh', () => REJECTED_TOKEN)
    await vi.advanceTimersByTimeAsync(50_000) // the parent's token is due; its refresh will be rejected
    const renewal = child.refresher.refresh().catch(() => undefined) // parent: refresh → 401 → credentials (slow)
    await vi.advanceTimersByTimeAsync(0)
    expect(parent.state.current).toBeNull()

    parent.logout()
    answer()
    await renewal
    await vi.advanceTimersByTimeAsync(0)

    // "After the parent's logout() ... a renewal can sign the parent back in through credentials" is the defect
    // issue 12 (section 2) names; after logout() no background path signs in again.
    expect(child.state.current).toBeNull()
    expect(parent.state.current).toBeNull()
    expect(pb.count('POST /api/collections/_superusers/auth-with-password')).toBe(1)
  })

  it('an explicit getToken() that was waiting for credentials when logout() came is discarded', async () => {
    const pb = createFakePocketBase()
    const pending = deferred<PasswordCredentials>()
    const auth = createAuthClient({
      url: 'http://pb.test',
      fetch: pb.fetch,
      credentials: () => pending.promise,
    })
    clients.push(auth)
    const call = auth.getToken().then(
      () => 'resolved',
      (error: { code: string }) => error.code,
    )
    await vi.advanceTimersByTimeAsync(0)
    auth.logout() // "A sign-in or refresh still in flight is discarded." (AuthClient.logout TSDoc)
    pending.resolve({ identity: 'alice@example.com', password: 'pw-1' })
    expect(await call).not.toBe('resolved')
    expect(auth.session).toBeNull()
    expect(pb.count(PASSWORD)).toBe(0)
  })
})

describe('a child adopted after its parent was disposed does not outlive it', () => {
  // SessionLifecycle.dispose() sets #children to undefined; a later adopt() (the end of an impersonate() that was
  // in flight during dispose()) makes a new set, and nothing ends the child. AuthClient.impersonate() does not
  // check `disposed` after its request either.

  it('SessionLifecycle.adopt() on a disposed parent ends and disposes the child at once', () => {
    const pb = createFakePocketBase({ tokenSeconds: 60, refreshable: false })
    const config = resolveConfig({ url: 'http://pb.test', fetch: pb.fetch })
    const parent = new SessionLifecycle(config, new MemoryTokenStore())
    const child = new SessionLifecycle(config, new MemoryTokenStore(), {
      session: sessionFrom(pb, { now: Date.now() }, { refreshable: false }),
      renew: undefined,
    })
    lifecycles.push(parent, child)
    const ended: string[] = []
    child.events.on('signedOut', ({ reason }) => ended.push(reason))
    parent.dispose()
    parent.adopt(child)
    expect(ended).toEqual(['logout'])
    expect(child.disposed).toBe(true)
  })

  it('AuthClient: an impersonate() in flight when the parent is disposed does not hand out a live child', async () => {
    const pb = createFakePocketBase({ collectionName: '_superusers' })
    const children = createFakePocketBase({ refreshable: false })
    const admin = createAuthClient({ url: 'http://pb.test', collection: '_superusers', fetch: pb.fetch })
    clients.push(admin)
    await admin.authWithPassword('admin@example.com', 'pw-1')
    const held = deferred<FakeReply>()
    pb.on('POST /api/collections/users/impersonate/x', () => held.promise)
    const pending = admin.impersonate('x', { renew: true })
    await vi.advanceTimersByTimeAsync(0)
    admin.dispose()
    held.resolve(children.authReply())
    const outcome = await pending.then(
      (child) => {
        clients.push(child)
        return child.isAuthenticated ? 'a live child' : 'an ended child'
      },
      (error: { code: string }) => error.code,
    )
    expect(outcome).not.toBe('a live child')
  })

  it('AuthClient: an impersonate() in flight when the parent logs out rejects not_authenticated, no child', async () => {
    const pb = createFakePocketBase({ collectionName: '_superusers' })
    const children = createFakePocketBase({ refreshable: false })
    const admin = createAuthClient({ url: 'http://pb.test', collection: '_superusers', fetch: pb.fetch })
    clients.push(admin)
    await admin.authWithPassword('admin@example.com', 'pw-1')
    const held = deferred<FakeReply>()
    pb.on('POST /api/collections/users/impersonate/x', () => held.promise)
    const pending = admin
      .impersonate('x', { renew: true })
      .catch((error: { code: string; message: string }) => error)
    await vi.advanceTimersByTimeAsync(0)
    admin.logout()
    held.resolve(children.authReply())
    expect(await pending).toMatchObject({
      code: 'not_authenticated',
      message: expect.stringContaining('logout()'),
    })
  })
})

describe('a sign-in in flight when the client is disposed', () => {
  it('is discarded: the session is not stored and no signedIn is emitted', async () => {
    const pb = createFakePocketBase()
    const auth = createAuthClient({ url: 'http://pb.test', fetch: pb.fetch })
    clients.push(auth)
    const signedIn: unknown[] = []
    auth.on('signedIn', (session) => signedIn.push(session))
    const held = deferred<FakeReply>()
    pb.on(PASSWORD, () => held.promise)
    const pending = auth
      .authWithPassword('alice@example.com', 'pw-1')
      .catch((error: { code: string }) => error.code)
    await vi.advanceTimersByTimeAsync(0)
    auth.dispose()
    held.resolve(pb.authReply())
    expect(await pending).toBe('aborted')
    expect(auth.session).toBeNull()
    expect(signedIn).toEqual([])
  })
})

describe('an MFA answer superseded during the MFA-duration look-up emits no mfaRequired', () => {
  // SignInRunner.run() checks isLatestSignIn(intent) before #mfaRequired(), which may await an auth-methods
  // request; a logout() or a later sign-in during that request is not checked again, so the superseded attempt
  // emits `mfaRequired` and rejects with mfa_required instead of aborted ("No mfaRequired event for an attempt that
  // a later sign-in or logout() replaced", sign-in.ts).

  it('logout() during the auth-methods look-up: aborted, no mfaRequired event', async () => {
    const pb = createFakePocketBase()
    const config = resolveConfig({ url: 'http://pb.test', fetch: pb.fetch, autoRefresh: false })
    const life = new SessionLifecycle(config, new MemoryTokenStore())
    lifecycles.push(life)
    const events: unknown[] = []
    life.events.on('mfaRequired', (event) => events.push(event))
    pb.on(PASSWORD, () => ({ status: 401, body: PB_BODIES.mfaRequired }))
    const lookUp = deferred<FakeReply>()
    pb.on('GET /api/collections/users/auth-methods', () => lookUp.promise)
    const signIn = life.signIns
      .run('password', () => passwordSignIn(config, 'users', 'alice@example.com', 'pw-1'))
      .catch((error: { code: string }) => error.code)
    await vi.advanceTimersByTimeAsync(0)
    expect(pb.count('GET /api/collections/users/auth-methods')).toBe(1)
    life.logout()
    lookUp.resolve({
      status: 200,
      body: {
        password: { enabled: true, identityFields: ['email'] },
        oauth2: { enabled: false, providers: [] },
        mfa: { enabled: true, duration: 600 },
        otp: { enabled: true, duration: 180 },
      },
    })
    expect(await signIn).toBe('aborted')
    expect(events).toEqual([])
  })
})
