import { afterEach, describe, expect, it } from 'vitest'
import {
  createAuthClient,
  createDbInterface,
  type AuthClient,
  type AuthClientOptions,
} from '../../src/index.js'
import { deferred } from '../fixtures/fake-pocketbase.js'
import { rejectionOf } from '../helpers/rejection.js'
import { createFakeRealtime, type FakeRealtime } from '../realtime/fake-realtime.js'

const TOKEN = 'POST /api/files/token'
const record = { id: 'rec1', collectionId: 'pbc_docs', collectionName: 'docs' }
const clients: AuthClient[] = []

afterEach(() => {
  for (const auth of clients.splice(0)) auth.dispose()
})

async function setup(options: Partial<AuthClientOptions> & { signIn?: boolean } = {}) {
  const clock = { now: Date.UTC(2026, 0, 1) }
  const fake: FakeRealtime = createFakeRealtime({ now: () => clock.now })
  const { signIn, ...clientOptions } = options
  const auth = createAuthClient({
    url: 'http://pb.test/',
    fetch: fake.fetch,
    now: () => clock.now,
    autoRefresh: false,
    ...clientOptions,
  })
  clients.push(auth)
  if (signIn !== false) await auth.authWithPassword('alice@example.com', 'pw')
  return { fake, auth, db: createDbInterface(auth), clock }
}

function tokenOf(url: string): string | null {
  return new URL(url).searchParams.get('token')
}

describe('db.files.getURL', () => {
  it('builds the file URL, with thumb and download, and no token when signed out', async () => {
    const { db, fake } = await setup({ signIn: false })
    expect(await db.files.getURL(record, 'a b.png')).toBe('http://pb.test/api/files/pbc_docs/rec1/a%20b.png')
    expect(await db.files.getURL(record, 'x.png', { thumb: '100x100', download: true })).toBe(
      'http://pb.test/api/files/pbc_docs/rec1/x.png?thumb=100x100&download=1',
    )
    expect(await db.files.getURL({ id: 'r', collectionName: 'docs' }, 'x.png')).toBe(
      'http://pb.test/api/files/docs/r/x.png',
    )
    expect(fake.pb.count(TOKEN)).toBe(0)
  })

  it('adds a file token whenever signed in, fetched once and reused', async () => {
    const { db, fake, auth } = await setup()
    const first = await db.files.getURL(record, 'a.pdf')
    const second = await db.files.getURL(record, 'b.pdf', { thumb: '0x300' })
    expect(tokenOf(first)).toBe(fake.fileTokens[0])
    expect(tokenOf(second)).toBe(fake.fileTokens[0])
    expect(fake.pb.count(TOKEN)).toBe(1)
    expect(fake.pb.calls.find((c) => `${c.method} ${c.path}` === TOKEN)?.authorization).toBe(
      auth.session!.token,
    )
  })

  it('shares the token between the db-interfaces of one client (a db-interface per request costs none)', async () => {
    const { db, fake, auth } = await setup()
    const urls = await Promise.all(
      [db, createDbInterface(auth), createDbInterface(auth)].map((each) =>
        each.files.getURL(record, 'a.png'),
      ),
    )
    expect(new Set(urls.map(tokenOf))).toEqual(new Set([fake.fileTokens[0]]))
    expect(fake.pb.count(TOKEN)).toBe(1)
  })

  it('shares one request between concurrent callers', async () => {
    const { db, fake } = await setup()
    const gate = deferred<undefined>()
    const issue = fake.pb.calls.length
    fake.pb.on(TOKEN, async () => {
      await gate.promise
      return { status: 200, body: { token: 'shared.file.token' } }
    })
    const urls = Promise.all(Array.from({ length: 20 }, (_, i) => db.files.getURL(record, `${i}.png`)))
    gate.resolve(undefined)
    expect((await urls).map(tokenOf)).toEqual(Array.from({ length: 20 }, () => 'shared.file.token'))
    expect(fake.pb.calls.slice(issue).filter((c) => c.path === '/api/files/token')).toHaveLength(1)
  })

  it('fetches a new token shortly before the old one expires (30 s before a 180 s token)', async () => {
    const { db, fake, clock } = await setup()
    await db.files.getURL(record, 'a.png')
    clock.now += 149_000
    await db.files.getURL(record, 'a.png')
    expect(fake.pb.count(TOKEN)).toBe(1)
    clock.now += 1_000
    expect(tokenOf(await db.files.getURL(record, 'a.png'))).toBe(fake.fileTokens[1])
    expect(fake.pb.count(TOKEN)).toBe(2)
  })

  it('renews a short-lived token at half its life', async () => {
    const { db, fake, clock } = await setup()
    fake.fileTokenSeconds = 10
    await db.files.getURL(record, 'a.png')
    clock.now += 4_999
    await db.files.getURL(record, 'a.png')
    expect(fake.pb.count(TOKEN)).toBe(1)
    clock.now += 1
    await db.files.getURL(record, 'a.png')
    expect(fake.pb.count(TOKEN)).toBe(2)
  })

  it('honours token: false and token: true', async () => {
    const signedIn = await setup()
    expect(tokenOf(await signedIn.db.files.getURL(record, 'a.png', { token: false }))).toBeNull()
    expect(signedIn.fake.pb.count(TOKEN)).toBe(0)
    const signedOut = await setup({ signIn: false })
    await expect(signedOut.db.files.getURL(record, 'a.png', { token: true })).rejects.toMatchObject({
      code: 'not_authenticated',
    })
    const withCredentials = await setup({
      signIn: false,
      credentials: () => ({ identity: 'alice@example.com', password: 'pw' }),
    })
    const url = await withCredentials.db.files.getURL(record, 'a.png', { token: true })
    expect(tokenOf(url)).toBe(withCredentials.fake.fileTokens[0])
    expect(withCredentials.auth.session).not.toBeNull()
  })

  it('forgets the token when the session ends, and never hands one user another user’s token', async () => {
    const { db, fake, auth } = await setup()
    await db.files.getURL(record, 'a.png')
    auth.logout()
    expect(tokenOf(await db.files.getURL(record, 'a.png'))).toBeNull()
    await auth.authWithPassword('alice@example.com', 'pw')
    expect(tokenOf(await db.files.getURL(record, 'a.png'))).toBe(fake.fileTokens[1])
    expect(fake.pb.count(TOKEN)).toBe(2)
  })

  it('refreshes a rejected auth token once and retries (the one path for rejected tokens)', async () => {
    const { db, fake, auth } = await setup()
    const old = auth.session!.token
    fake.revoked.add(old)
    const url = await db.files.getURL(record, 'a.png')
    expect(auth.session!.token).not.toBe(old)
    expect(tokenOf(url)).toBe(fake.fileTokens[0])
  })

  it('gives "" for a record without a file', async () => {
    const { db, fake } = await setup()
    expect(await db.files.getURL(record, '')).toBe('')
    expect(fake.pb.count(TOKEN)).toBe(0)
  })

  it('refuses bad arguments with a ConfigError naming each, before any request', async () => {
    const { db, fake } = await setup()
    const paths = async (run: () => Promise<unknown>): Promise<string[]> =>
      ((await rejectionOf(run())) as { issues: { path: string }[] }).issues.map((i) => i.path)
    expect(await paths(() => db.files.getURL({ id: '' } as never, 'a.png'))).toEqual([
      'record.id',
      'record.collectionId',
    ])
    expect(await paths(() => db.files.getURL(null as never, 3 as never))).toEqual([
      'record.id',
      'record.collectionId',
      'filename',
    ])
    expect(
      await paths(() =>
        db.files.getURL(record, 'a.png', { thumb: '', download: 'yes' as never, token: 1 as never }),
      ),
    ).toEqual(['options.thumb', 'options.download', 'options.token'])
    expect(await paths(() => db.files.getURL(record, 'a.png', null as never))).toEqual(['options'])
    expect(fake.pb.count(TOKEN)).toBe(0)
  })

  it('maps a token answer without a token to unexpected_response', async () => {
    const { db, fake } = await setup()
    fake.pb.on(TOKEN, () => ({ status: 200, body: { nope: true } }))
    await expect(db.files.getURL(record, 'a.png')).rejects.toMatchObject({ code: 'unexpected_response' })
  })
})
