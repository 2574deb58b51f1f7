import { describe, expect, it, vi } from 'vitest'
import * as z from 'zod/mini'
import { REALTIME_LIMITS, type RecordEvent } from '../../src/index.js'
import { configErrorOf } from '../helpers/config-error.js'
import { rejectionOf } from '../helpers/rejection.js'
import { recordEvent } from './fake-realtime.js'
import { flush, realtimeSetup, useRealtimeSetup } from './setup.js'

useRealtimeSetup()

describe('subscribe', () => {
  it('opens one stream, checks the token, submits the topic with it, and resolves once accepted', async () => {
    const setup = await realtimeSetup()
    const { fake, db, auth } = setup
    expect(db.realtime.state).toBe('idle')
    const stop = db.collection('posts').subscribe('*', () => undefined)
    await flush()
    expect(fake.streams).toHaveLength(1)
    expect(fake.pb.count('POST /api/files/token')).toBe(1)
    expect(fake.submissions).toEqual([
      { clientId: 'client0', subscriptions: ['posts/*'], authorization: auth.session!.token },
    ])
    await stop
    expect(db.realtime.state).toBe('open')
    expect(setup.seen).toEqual([['connected', { resumed: false }]])
  })

  it('sends the stream request without credentials and asks for an event stream', async () => {
    const { fake, db } = await realtimeSetup({ userAgent: 'rt-test/1' })
    await db.collection('posts').subscribe('*', () => undefined)
    const [headers] = fake.connects
    expect(headers?.get('accept')).toBe('text/event-stream')
    expect(headers?.get('user-agent')).toBe('rt-test/1')
    expect(headers?.has('authorization')).toBe(false)
  })

  it('carries every subscription of the db-interface on one connection, each topic once', async () => {
    const { fake, db } = await realtimeSetup()
    const posts = db.collection('posts')
    const stops = await Promise.all(
      Array.from({ length: 200 }, (_, i) => posts.subscribe(i % 2 === 0 ? '*' : `rec${i}`, () => undefined)),
    )
    expect(stops).toHaveLength(200)
    expect(fake.streams).toHaveLength(1)
    const last = fake.submissions.at(-1)!.subscriptions
    expect(last).toHaveLength(101)
    expect(new Set(last).size).toBe(101)
    expect(last).toContain('posts/*')
    expect(last).toContain('posts/rec199')
  })

  it('adds filter, expand and fields as the topic options PocketBase reads', async () => {
    const { fake, db } = await realtimeSetup()
    await db
      .collection('posts')
      .subscribe('*', () => undefined, { filter: 'title = "a"', expand: 'author', fields: 'id,title' })
    const topic = fake.submissions.at(-1)!.subscriptions[0]!
    expect(topic.startsWith('posts/*?options=')).toBe(true)
    expect(JSON.parse(decodeURIComponent(topic.slice('posts/*?options='.length)))).toEqual({
      query: { filter: 'title = "a"', expand: 'author', fields: 'id,title' },
    })
  })

  it('delivers { action, record } to every handler of the topic, and only of that topic', async () => {
    const { fake, db } = await realtimeSetup()
    const all: RecordEvent<unknown>[] = []
    const again: RecordEvent<unknown>[] = []
    const one: RecordEvent<unknown>[] = []
    await db.collection('posts').subscribe('*', (e) => void all.push(e))
    await db.collection('posts').subscribe('*', (e) => void again.push(e))
    await db.collection('posts').subscribe('rec1', (e) => void one.push(e))
    fake.latest().send('posts/*', recordEvent('create', { id: 'rec2', title: 'x' }))
    fake.latest().send('posts/rec1', recordEvent('update', { id: 'rec1' }))
    fake.latest().send('posts/*', recordEvent('delete', { id: 'rec2' }))
    await flush()
    expect(all.map((e) => [e.action, (e.record as { id: string }).id])).toEqual([
      ['create', 'rec2'],
      ['delete', 'rec2'],
    ])
    expect(again).toEqual(all)
    expect(one.map((e) => e.action)).toEqual(['update'])
  })

  it('keeps the connection when a handler throws or rejects: the failure becomes an error event', async () => {
    const setup = await realtimeSetup()
    const { fake, db } = setup
    const boom = new Error('handler failed')
    const later: string[] = []
    await db.collection('posts').subscribe('*', () => {
      throw boom
    })
    await db.collection('posts').subscribe('*', async () => Promise.reject(new Error('async failure')))
    await db.collection('posts').subscribe('*', (e) => void later.push(e.action))
    fake.latest().send('posts/*', recordEvent('create', { id: 'r1' }))
    fake.latest().send('posts/*', recordEvent('update', { id: 'r1' }))
    await flush()
    expect(later).toEqual(['create', 'update'])
    const errors = setup.seen.filter(([name]) => name === 'error').map(([, e]) => (e as Error).message)
    expect(errors.sort()).toEqual(['async failure', 'async failure', 'handler failed', 'handler failed'])
    expect(db.realtime.state).toBe('open')
  })

  it('reports an event it cannot read as unexpected_response, naming the topic but not its options', async () => {
    const setup = await realtimeSetup()
    const handler = vi.fn()
    await setup.db.collection('posts').subscribe('*', handler, { filter: 'secret = "s3cr3t"' })
    const key = setup.fake.submissions.at(-1)!.subscriptions[0]!
    setup.fake.latest().send(key, '{not json')
    setup.fake.latest().send(key, { action: 'explode', record: {} })
    setup.fake.latest().send(key, { action: 'create', record: 'nope' })
    await flush()
    expect(handler).not.toHaveBeenCalled()
    const errors = setup.seen.filter(([name]) => name === 'error').map(([, e]) => e)
    expect(errors).toHaveLength(3)
    for (const error of errors) {
      expect(error).toMatchObject({ code: 'unexpected_response' })
      expect((error as Error).message).toContain('"posts/*"')
      expect((error as Error).message).not.toContain('s3cr3t')
    }
  })

  it('validates records with the collection schema; a record it refuses is an error, order is kept', async () => {
    const setup = await realtimeSetup()
    const Post = z.object({ id: z.string(), title: z.string() })
    const titles: string[] = []
    await setup.db
      .collection('posts', { schema: Post })
      .subscribe('*', ({ record }) => void titles.push(record.title))
    for (const title of ['a', 'b'])
      setup.fake.latest().send('posts/*', recordEvent('create', { id: title, title }))
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'c', title: 3 }))
    setup.fake.latest().send('posts/*', recordEvent('create', { id: 'd', title: 'd' }))
    await flush()
    expect(titles).toEqual(['a', 'b', 'd'])
    const errors = setup.seen.filter(([name]) => name === 'error').map(([, e]) => e)
    expect(errors).toEqual([expect.objectContaining({ code: 'unexpected_response' })])
  })

  it('ends one subscription with its unsubscribe function; the last one closes the connection', async () => {
    const setup = await realtimeSetup()
    const { fake, db } = setup
    const first = vi.fn()
    const second = vi.fn()
    const stopFirst = await db.collection('posts').subscribe('*', first)
    const stopSecond = await db.collection('posts').subscribe('rec1', second)
    await stopFirst()
    await stopFirst()
    expect(fake.submissions.at(-1)!.subscriptions).toEqual(['posts/rec1'])
    fake.latest().send('posts/*', recordEvent('create', { id: 'x' }))
    await flush()
    expect(first).not.toHaveBeenCalled()
    await stopSecond()
    expect(db.realtime.state).toBe('idle')
    expect(fake.latest().aborted).toBe(true)
    expect(setup.seen.at(-1)).toEqual([
      'disconnected',
      { willRetry: false, retryInMs: undefined, error: undefined },
    ])
  })

  it('ends a subscription when its signal aborts; an aborted signal refuses it before any request', async () => {
    const { fake, db } = await realtimeSetup()
    const controller = new AbortController()
    const handler = vi.fn()
    await db.collection('posts').subscribe('*', handler, { signal: controller.signal })
    await db.collection('posts').subscribe('rec1', () => undefined)
    controller.abort()
    await flush()
    expect(fake.submissions.at(-1)!.subscriptions).toEqual(['posts/rec1'])
    fake.latest().send('posts/*', recordEvent('create', { id: 'x' }))
    await flush()
    expect(handler).not.toHaveBeenCalled()
    const before = fake.submissions.length
    await expect(
      db.collection('posts').subscribe('*', handler, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' })
    expect(fake.submissions).toHaveLength(before)
  })

  it('rejects with aborted when the signal aborts before the server accepted the topic', async () => {
    const { fake, db } = await realtimeSetup()
    fake.connectReply = () => ({ stream: true, connect: false })
    const controller = new AbortController()
    const pending = db.collection('posts').subscribe('*', () => undefined, { signal: controller.signal })
    await flush()
    controller.abort()
    const error = await rejectionOf(pending)
    expect(error).toMatchObject({ code: 'aborted' })
    expect(db.realtime.state).toBe('idle')
    expect(fake.submissions).toHaveLength(0)
  })
})

describe('subscribe: what it refuses', () => {
  it('refuses bad arguments with a ConfigError naming each, before any request', async () => {
    const { fake, db } = await realtimeSetup()
    const posts = db.collection('posts')
    const issues = async (run: () => Promise<unknown>): Promise<string[]> =>
      ((await rejectionOf(run())) as { issues: { path: string }[] }).issues.map((i) => i.path)
    expect(await issues(() => posts.subscribe('', () => undefined))).toEqual(['topic'])
    expect(await issues(() => posts.subscribe('a/b', () => undefined))).toEqual(['topic'])
    expect(await issues(() => posts.subscribe('*?x', () => undefined))).toEqual(['topic'])
    expect(await issues(() => posts.subscribe('*', 'nope' as never))).toEqual(['handler'])
    expect(
      await issues(() =>
        posts.subscribe('*', () => undefined, { filter: '', expand: 1 as never, signal: {} as never }),
      ),
    ).toEqual(['options.filter', 'options.expand', 'options.signal'])
    expect(fake.streams).toHaveLength(0)
    expect(configErrorOf(() => db.collection(''))).toMatchObject({ code: 'config_invalid' })
  })

  it('refuses a topic longer than PocketBase accepts (2,500 characters with its options)', async () => {
    const { fake, db } = await realtimeSetup()
    const max = REALTIME_LIMITS.maxTopicLength
    const atLimit = 'r'.repeat(max - 'posts/'.length)
    await db.collection('posts').subscribe(atLimit, () => undefined)
    const error = await rejectionOf(db.collection('posts').subscribe(`${atLimit}x`, () => undefined))
    expect(error).toMatchObject({
      code: 'validation_failed',
      fieldErrors: { topic: { code: 'validation_length_too_long' } },
    })
    const long = await rejectionOf(
      db.collection('posts').subscribe('*', () => undefined, { filter: `title = "${'a'.repeat(max)}"` }),
    )
    expect(long).toMatchObject({ code: 'validation_failed' })
    expect((long as Error).message).not.toContain('aaaa')
    expect(fake.submissions.at(-1)!.subscriptions).toEqual([`posts/${atLimit}`])
  })

  it('refuses a 1,001st topic on one connection (validation_failed); more handlers on a topic are fine', async () => {
    const { fake, db } = await realtimeSetup()
    const posts = db.collection('posts')
    await Promise.all(
      Array.from({ length: REALTIME_LIMITS.maxTopics }, (_, i) =>
        posts.subscribe(`rec${i}`, () => undefined),
      ),
    )
    const error = await rejectionOf(posts.subscribe('one-too-many', () => undefined))
    expect(error).toMatchObject({
      code: 'validation_failed',
      fieldErrors: { subscriptions: { code: 'validation_length_too_long' } },
    })
    await posts.subscribe('rec0', () => undefined)
    expect(fake.submissions.at(-1)!.subscriptions).toHaveLength(REALTIME_LIMITS.maxTopics)
  })

  it('refuses to subscribe without a session (not_authenticated), and opens nothing', async () => {
    const { fake, db } = await realtimeSetup({ signIn: false })
    await expect(db.collection('posts').subscribe('*', () => undefined)).rejects.toMatchObject({
      code: 'not_authenticated',
    })
    expect(fake.streams).toHaveLength(0)
    expect(db.realtime.state).toBe('idle')
  })

  it('rejects with the failure when the first connection cannot be opened, and stays idle', async () => {
    const setup = await realtimeSetup()
    setup.fake.connectReply = () => ({ status: 503, body: { message: 'down', status: 503, data: {} } })
    await expect(setup.db.collection('posts').subscribe('*', () => undefined)).rejects.toMatchObject({
      code: 'server_error',
      status: 503,
    })
    expect(setup.db.realtime.state).toBe('idle')
    expect(setup.names()).toEqual(['disconnected'])
    expect(setup.seen[0]![1]).toMatchObject({ willRetry: false, error: { code: 'server_error' } })
  })
})
