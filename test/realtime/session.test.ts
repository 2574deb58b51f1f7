import { describe, expect, it } from 'vitest'
import { createDbInterface, type DbInterface } from '../../src/index.js'
import { REJECTED_TOKEN } from '../fixtures/fake-pocketbase.js'
import { recordEvent } from './fake-realtime.js'
import { advance, flush, realtimeSetup, useRealtimeSetup, type RealtimeSetup } from './setup.js'

useRealtimeSetup()

const REFRESH = 'POST /api/collections/users/auth-refresh'

async function listen(db: DbInterface, topic = '*'): Promise<string[]> {
  const received: string[] = []
  await db
    .collection('posts')
    .subscribe(topic, (e) => void received.push(`${e.action}:${String(e.record.id)}`))
  return received
}

function errors(setup: RealtimeSetup): unknown[] {
  return setup.seen.filter(([name]) => name === 'error').map(([, e]) => e)
}

describe('realtime and the session', () => {
  it('stops delivery at once on logout, even for events already on the wire, with a typed error', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.db.realtime.on('error', () => undefined)
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'a' }))
    setup.auth.logout()
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'b' }))
    await flush()
    expect(received).toEqual([])
    expect(setup.db.realtime.state).toBe('closed')
    expect(setup.fake.latest().aborted).toBe(true)
    expect(setup.names()).toEqual(['connected', 'disconnected', 'error'])
    expect(errors(setup)[0]).toMatchObject({ code: 'not_authenticated' })
    expect(setup.seen[1]![1]).toMatchObject({ willRetry: false })
  })

  it('resumes the same subscriptions when the same user signs in again (connected, resumed)', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.auth.logout()
    await flush()
    await setup.auth.authWithPassword('alice@example.com', 'pw')
    await flush()
    expect(setup.db.realtime.state).toBe('open')
    expect(setup.fake.streams).toHaveLength(2)
    expect(setup.fake.submissions.at(-1)).toMatchObject({
      clientId: 'client1',
      subscriptions: ['posts/*'],
      authorization: setup.auth.session!.token,
    })
    expect(setup.seen.at(-1)).toEqual(['connected', { resumed: true }])
    setup.fake.latest().send('posts/*', recordEvent('update', { id: 'a' }))
    await flush()
    expect(received).toEqual(['update:a'])
  })

  it('ends the subscriptions when another user signs in; a new subscribe opens a new connection', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.auth.logout()
    setup.fake.pb.on('POST /api/collections/users/auth-with-password', () => ({
      status: 200,
      body: { ...setup.fake.pb.issue(), ...bob(setup) },
    }))
    await setup.auth.authWithPassword('bob@example.com', 'pw')
    await flush()
    expect(setup.db.realtime.state).toBe('idle')
    expect(setup.fake.streams).toHaveLength(1)
    expect(errors(setup).map((e) => (e as { code: string }).code)).toEqual([
      'not_authenticated',
      'not_authenticated',
    ])
    const bobs = await listen(setup.db, 'rec2')
    expect(setup.fake.streams).toHaveLength(2)
    expect(setup.fake.submissions.at(-1)).toMatchObject({
      clientId: 'client1',
      subscriptions: ['posts/rec2'],
    })
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'x' }))
    setup.fake.latest().send('posts/rec2', recordEvent('update', { id: 'rec2' }))
    await flush()
    expect(received).toEqual([])
    expect(bobs).toEqual(['update:rec2'])
  })

  it('finds a revoked session within 60 s: the token check fails, the refresh fails, the session ends', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.fake.revoked.add(setup.auth.session!.token)
    setup.fake.pb.on(REFRESH, () => REJECTED_TOKEN)
    await advance(setup, 60_000)
    expect(setup.auth.session).toBeNull()
    expect(setup.db.realtime.state).toBe('closed')
    expect(errors(setup)[0]).toMatchObject({ code: 'token_expired' })
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'a' }))
    await flush()
    expect(received).toEqual([])
  })

  it('restores the auth after a password change through credentials: signs in again and resubmits', async () => {
    const setup = await realtimeSetup({
      credentials: () => ({ identity: 'alice@example.com', password: 'pw' }),
    })
    await listen(setup.db)
    const old = setup.auth.session!.token
    setup.fake.revoked.add(old)
    setup.fake.pb.on(REFRESH, () => REJECTED_TOKEN)
    await advance(setup, 60_000)
    const fresh = setup.auth.session!.token
    expect(fresh).not.toBe(old)
    expect(setup.db.realtime.state).toBe('open')
    expect(setup.fake.submissions.at(-1)).toMatchObject({ subscriptions: ['posts/*'], authorization: fresh })
  })

  it('refreshes a token the check rejects and submits with the new one (one path for rejected tokens)', async () => {
    const setup = await realtimeSetup()
    await listen(setup.db)
    const old = setup.auth.session!.token
    setup.fake.revoked.add(old)
    await advance(setup, 60_000)
    const fresh = setup.auth.session!.token
    expect(fresh).not.toBe(old)
    expect(setup.fake.pb.count(REFRESH)).toBe(1)
    expect(setup.fake.submissions.at(-1)).toMatchObject({ clientId: 'client0', authorization: fresh })
    expect(setup.db.realtime.state).toBe('open')
  })

  it('closes at once on the client dispose(), delivering nothing more; subscribe then refuses', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.auth.dispose()
    expect(setup.db.realtime.state).toBe('closed')
    expect(setup.fake.latest().aborted).toBe(true)
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'a' }))
    await flush()
    expect(received).toEqual([])
    expect(setup.db.realtime.state).toBe('closed')
    expect(errors(setup)[0]).toMatchObject({ code: 'not_authenticated' })
    expect((errors(setup)[0] as Error).message).toContain('dispose()')
    await expect(setup.db.collection('posts').subscribe('*', () => undefined)).rejects.toMatchObject({
      code: 'not_authenticated',
    })
  })

  it('a quiet connection is closed at dispose() too: no timer is left to wake it', async () => {
    const setup = await realtimeSetup()
    await listen(setup.db)
    const submitted = setup.fake.submissions.length
    setup.auth.dispose()
    expect(setup.db.realtime.state).toBe('closed')
    expect(setup.fake.latest().aborted).toBe(true)
    await advance(setup, 120_000) // two 60 s resubmission periods: none comes
    expect(setup.fake.submissions).toHaveLength(submitted)
    expect(errors(setup)).toHaveLength(1)
  })

  it('gives an impersonated child its own connection, ended with its parent', async () => {
    const setup = await realtimeSetup()
    setup.fake.pb.on('POST /api/collections/users/impersonate/rec2', () => ({
      status: 200,
      body: { ...setup.fake.pb.issue({ refreshable: false }), ...bob(setup) },
    }))
    await listen(setup.db)
    const child = await setup.auth.impersonate('rec2')
    const childDb = createDbInterface(child)
    const childErrors: unknown[] = []
    childDb.realtime.on('error', (e) => void childErrors.push(e))
    await listen(childDb, 'rec2')
    expect(setup.fake.streams).toHaveLength(2)
    expect(setup.fake.submissions.at(-1)).toMatchObject({
      clientId: 'client1',
      authorization: child.session!.token,
    })
    setup.auth.logout()
    await flush()
    expect(childDb.realtime.state).toBe('closed')
    expect(childErrors).toHaveLength(1)
    childDb.realtime.close()
  })

  it('close() ends every subscription; a later subscribe opens a new connection', async () => {
    const setup = await realtimeSetup()
    const received = await listen(setup.db)
    setup.db.realtime.close()
    expect(setup.db.realtime.state).toBe('closed')
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'a' }))
    await flush()
    expect(received).toEqual([])
    await listen(setup.db, 'rec1')
    expect(setup.fake.streams).toHaveLength(2)
    expect(setup.fake.submissions.at(-1)!.subscriptions).toEqual(['posts/rec1'])
  })
})

/** Bob's record and a token for him, as the fake issues them. */
function bob(setup: RealtimeSetup): { token: string; record: unknown } {
  const issued = setup.fake.pb.issue()
  const payload = JSON.parse(Buffer.from(issued.token.split('.')[1]!, 'base64url').toString()) as object
  const token = [
    issued.token.split('.')[0],
    Buffer.from(JSON.stringify({ ...payload, id: 'rec2' })).toString('base64url'),
    'c2ln',
  ].join('.')
  return { token, record: { ...(issued.record as object), id: 'rec2', email: 'bob@example.com' } }
}
