import { describe, expect, it } from 'vitest'
import { REALTIME_LIMITS } from '../../src/index.js'
import { checkTopicLength, topicKey, topicName, tooManyTopics } from '../../src/realtime/topics.js'
import { parseRecordEvent } from '../../src/realtime/subscriptions.js'

describe('topicKey', () => {
  it('is COLLECTION/TOPIC without options', () => {
    expect(topicKey('posts', '*')).toBe('posts/*')
    expect(topicKey('posts', 'abc123', {})).toBe('posts/abc123')
    expect(topicKey('posts', '*', { signal: new AbortController().signal })).toBe('posts/*')
  })

  it('appends the query options as the official SDK does (?options= with encoded JSON)', () => {
    const key = topicKey('posts', '*', { fields: 'id', filter: 'a = "b & c"', expand: 'author' })
    expect(key).toBe(
      `posts/*?options=${encodeURIComponent(JSON.stringify({ query: { filter: 'a = "b & c"', expand: 'author', fields: 'id' } }))}`,
    )
    // The same options in any order give the same topic (one server subscription).
    expect(topicKey('posts', '*', { expand: 'author', filter: 'a = "b & c"', fields: 'id' })).toBe(key)
  })

  it('names a topic without its options in messages', () => {
    expect(topicName(topicKey('posts', '*', { filter: 'secret = 1' }))).toBe('posts/*')
    expect(topicName('posts/rec1')).toBe('posts/rec1')
  })
})

describe('limits', () => {
  it('accepts a topic of exactly 2,500 characters and refuses 2,501', () => {
    expect(() => checkTopicLength('m', 'x'.repeat(REALTIME_LIMITS.maxTopicLength))).not.toThrow()
    expect(() => checkTopicLength('m', 'x'.repeat(REALTIME_LIMITS.maxTopicLength + 1))).toThrow(
      expect.objectContaining({ code: 'validation_failed' }),
    )
  })

  it('names the limit of topics per connection', () => {
    expect(tooManyTopics('db.collection("posts").subscribe').toJSON()).toMatchObject({
      code: 'validation_failed',
      fieldErrors: { subscriptions: { code: 'validation_length_too_long' } },
    })
  })
})

describe('parseRecordEvent', () => {
  it('reads create, update and delete events', () => {
    for (const action of ['create', 'update', 'delete']) {
      expect(parseRecordEvent(JSON.stringify({ action, record: { id: 'a' } }))).toEqual({
        action,
        record: { id: 'a' },
      })
    }
  })

  it('refuses anything else without echoing it', () => {
    for (const data of [
      '',
      'null',
      '[]',
      '{"action":"create"}',
      '{"action":"x","record":{}}',
      '{"record":{}}',
    ]) {
      expect(parseRecordEvent(data)).toBeUndefined()
    }
  })
})
