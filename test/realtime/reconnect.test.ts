import { describe, expect, it, vi } from 'vitest'
import type { DisconnectedEvent, RealtimeState } from '../../src/index.js'
import { backoffDelayMs } from '../../src/index.js'
import { connectionRefused } from '../fixtures/fake-pocketbase.js'
import { rejectionOf } from '../helpers/rejection.js'
import { recordEvent } from './fake-realtime.js'
import { advance, flush, realtimeSetup, useRealtimeSetup, type RealtimeSetup } from './setup.js'

useRealtimeSetup()

/** Records every state the connection passes through, read after each flush and timer step. */
function disconnects(setup: RealtimeSetup): DisconnectedEvent[] {
  return setup.seen.filter(([name]) => name === 'disconnected').map(([, p]) => p as DisconnectedEvent)
}

async function subscribed(setup: RealtimeSetup, topics = ['*', 'rec1']): Promise<string[]> {
  const received: string[] = []
  for (const topic of topics) {
    await setup.db.collection('posts').subscribe(topic, (e) => void received.push(`${topic}:${e.action}`))
  }
  return received
}

describe('reconnecting', () => {
  it('reconnects at once after a healthy connection ends, resubmits every topic, and resumes delivery', async () => {
    const setup = await realtimeSetup()
    const received = await subscribed(setup)
    await advance(setup, 10_000)
    setup.fake.latest().close()
    await flush()
    expect(setup.db.realtime.state).toBe('retrying')
    expect(disconnects(setup)).toEqual([
      { willRetry: true, retryInMs: 0, error: expect.objectContaining({ code: 'network' }) },
    ])
    await advance(setup, 0)
    expect(setup.fake.streams).toHaveLength(2)
    expect(setup.fake.submissions.at(-1)).toMatchObject({
      clientId: 'client1',
      subscriptions: ['posts/*', 'posts/rec1'],
    })
    expect(setup.db.realtime.state).toBe('open')
    expect(setup.seen.at(-1)).toEqual(['connected', { resumed: true }])
    setup.fake.latest().send('posts/rec1', recordEvent('update', { id: 'rec1' }))
    await flush()
    expect(received).toEqual(['rec1:update'])
  })

  it('backs off with growing delays while the server is down, then resumes (state: retrying -> connecting -> open)', async () => {
    const setup = await realtimeSetup()
    vi.spyOn(Math, 'random').mockReturnValue(0)
    await subscribed(setup, ['*'])
    await advance(setup, 10_000)
    let failing = true
    setup.fake.connectReply = () => (failing ? connectionRefused() : { stream: true })
    const states: RealtimeState[] = []
    setup.db.realtime.on('disconnected', () => void states.push(setup.db.realtime.state))
    setup.fake.latest().fail()
    await flush()
    for (const delay of [0, backoffDelayMs(1, () => 0), backoffDelayMs(2, () => 0)])
      await advance(setup, delay)
    expect(disconnects(setup).map((d) => d.retryInMs)).toEqual([
      0,
      backoffDelayMs(1, () => 0),
      backoffDelayMs(2, () => 0),
      backoffDelayMs(3, () => 0),
    ])
    expect(disconnects(setup).every((d) => d.willRetry && d.error?.code === 'network')).toBe(true)
    expect(states.every((state) => state === 'retrying')).toBe(true)
    failing = false
    await advance(setup, backoffDelayMs(3, () => 0) - 1)
    expect(setup.db.realtime.state).toBe('retrying')
    await advance(setup, 1)
    expect(setup.db.realtime.state).toBe('open')
    expect(setup.seen.at(-1)).toEqual(['connected', { resumed: true }])
  })

  it('backs off when a connection drops before it was healthy (a server that cuts every stream at once)', async () => {
    const setup = await realtimeSetup()
    vi.spyOn(Math, 'random').mockReturnValue(0)
    await subscribed(setup, ['*'])
    for (let i = 0; i < 3; i++) {
      setup.fake.latest().close()
      await flush()
      await advance(setup, disconnects(setup).at(-1)!.retryInMs!)
    }
    expect(disconnects(setup).map((d) => d.retryInMs)).toEqual([
      backoffDelayMs(0, () => 0),
      backoffDelayMs(1, () => 0),
      backoffDelayMs(2, () => 0),
    ])
    expect(setup.fake.streams).toHaveLength(4)
  })

  it('gives up on a stream that sends no PB_CONNECT within timeoutMs, and tries again', async () => {
    const setup = await realtimeSetup({ timeoutMs: 5_000 })
    await subscribed(setup, ['*'])
    await advance(setup, 10_000)
    setup.fake.connectReply = (i) => ({ stream: true, connect: i !== 1 })
    setup.fake.latest().close()
    await flush()
    await advance(setup, 0)
    expect(setup.db.realtime.state).toBe('connecting')
    await advance(setup, 4_999)
    expect(setup.db.realtime.state).toBe('connecting')
    await advance(setup, 1)
    expect(disconnects(setup).at(-1)).toMatchObject({ willRetry: true, error: { code: 'timeout' } })
    expect(setup.fake.latest().aborted).toBe(true)
    await advance(setup, disconnects(setup).at(-1)!.retryInMs!)
    expect(setup.db.realtime.state).toBe('open')
  })

  it('reconnects when the server forgot the client (404 on submit, after a restart)', async () => {
    const setup = await realtimeSetup()
    await subscribed(setup, ['*'])
    setup.fake.submitReply = (s) =>
      s.clientId === 'client0'
        ? { status: 404, body: { message: 'Missing or invalid client id.', status: 404, data: {} } }
        : { status: 204 }
    await advance(setup, 60_000)
    expect(disconnects(setup)[0]).toMatchObject({
      willRetry: true,
      retryInMs: 0,
      error: { code: 'not_found' },
    })
    await advance(setup, 1)
    expect(setup.fake.submissions.at(-1)).toMatchObject({ clientId: 'client1', subscriptions: ['posts/*'] })
    expect(setup.db.realtime.state).toBe('open')
  })

  it('reconnects on a fresh connection when the server says the authorization does not match (403)', async () => {
    const setup = await realtimeSetup()
    await subscribed(setup, ['*'])
    setup.fake.submitReply = (s) =>
      s.clientId === 'client0'
        ? {
            status: 403,
            body: {
              message: "The current and the previous request authorization don't match.",
              status: 403,
              data: {},
            },
          }
        : { status: 204 }
    await advance(setup, 60_000)
    expect(disconnects(setup)[0]).toMatchObject({
      willRetry: true,
      retryInMs: 0,
      error: { code: 'forbidden' },
    })
    await advance(setup, 1)
    expect(setup.fake.latest().clientId).toBe('client1')
    expect(setup.db.realtime.state).toBe('open')
  })

  it('rejects a subscribe waiting for a failed attempt, keeping the subscriptions that were accepted', async () => {
    const setup = await realtimeSetup()
    const received = await subscribed(setup, ['*'])
    await advance(setup, 10_000)
    setup.fake.connectReply = () => connectionRefused()
    setup.fake.latest().fail()
    await flush()
    const pending = rejectionOf(setup.db.collection('posts').subscribe('rec9', () => undefined))
    await advance(setup, 1)
    expect(await pending).toMatchObject({ code: 'network' })
    setup.fake.connectReply = () => ({ stream: true })
    await advance(setup, disconnects(setup).at(-1)!.retryInMs!)
    expect(setup.fake.submissions.at(-1)!.subscriptions).toEqual(['posts/*'])
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'n' }))
    await flush()
    expect(received).toEqual(['*:create'])
  })

  it('never delivers an event of a stream it has left', async () => {
    const setup = await realtimeSetup()
    const received = await subscribed(setup, ['*'])
    await advance(setup, 10_000)
    const old = setup.fake.latest()
    old.close()
    await flush()
    old.send('posts/*', recordEvent('create', { id: 'late' }))
    await advance(setup, 0)
    expect(received).toEqual([])
  })
})

describe('resubmitting', () => {
  it('resubmits every 60 s with a token the server has just confirmed (the file-token request)', async () => {
    const setup = await realtimeSetup()
    await subscribed(setup, ['*'])
    const checks = setup.fake.pb.count('POST /api/files/token')
    const submissions = setup.fake.submissions.length
    await advance(setup, 59_999)
    expect(setup.fake.submissions).toHaveLength(submissions)
    await advance(setup, 1)
    expect(setup.fake.pb.count('POST /api/files/token')).toBe(checks + 1)
    expect(setup.fake.submissions).toHaveLength(submissions + 1)
    await advance(setup, 60_000)
    expect(setup.fake.submissions).toHaveLength(submissions + 2)
    expect(setup.fake.submissions.at(-1)).toMatchObject({
      clientId: 'client0',
      authorization: setup.auth.session!.token,
    })
  })

  it('resubmits with the new token right after each refresh', async () => {
    const setup = await realtimeSetup()
    await subscribed(setup, ['*'])
    const before = setup.auth.session!.token
    await setup.auth.authRefresh()
    await flush()
    const after = setup.auth.session!.token
    expect(after).not.toBe(before)
    expect(setup.fake.submissions.at(-1)).toMatchObject({ clientId: 'client0', authorization: after })
  })
})
