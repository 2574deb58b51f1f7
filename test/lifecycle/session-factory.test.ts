import { describe, expect, it } from 'vitest'
import { DEFAULTS } from '../../src/config.js'
import { SessionFactory } from '../../src/lifecycle/session-factory.js'
import type { ReceivedAuth } from '../../src/session/build-session.js'
import { createFakePocketBase } from '../fixtures/fake-pocketbase.js'
import { makeAuthResponse, makeJwt } from '../helpers/factories.js'
import { receivedFrom, recordingLogger, START } from './parts.js'

const clock = { now: START }
const pb = createFakePocketBase({ now: () => clock.now, tokenSeconds: 900 })
const EXP_MS = START + 900_000

function factory(maxClockSkewSeconds: number = DEFAULTS.maxClockSkewSeconds) {
  const { logger, lines } = recordingLogger()
  return { sessions: new SessionFactory(maxClockSkewSeconds, logger), lines }
}

const at = (clockOffsetMs: number): ReceivedAuth => receivedFrom(pb, clock, { clockOffsetMs })

describe('SessionFactory.build', () => {
  it('builds a frozen session of the response: token, record, ids, expiry, arrival, refreshability', () => {
    const { sessions, lines } = factory()
    const received = receivedFrom(pb, clock, { refreshable: false })
    const session = sessions.build(received)
    expect(session).toEqual({
      token: received.body.token,
      record: received.body.record,
      collectionId: '_pb_users_auth_',
      collectionName: 'users',
      recordId: 'record1234567ab',
      expiresAt: EXP_MS,
      issuedAt: START,
      refreshable: false,
    })
    expect(Object.isFrozen(session)).toBe(true)
    expect(Object.isFrozen(session.record)).toBe(true)
    expect(lines).toEqual([])
  })

  it('moves the expiry to the local clock by an offset within maxClockSkewSeconds (server ahead or behind)', () => {
    const { sessions, lines } = factory()
    expect(sessions.build(at(600_000)).expiresAt).toBe(EXP_MS - 600_000)
    expect(sessions.build(at(-600_000)).expiresAt).toBe(EXP_MS + 600_000)
    expect(lines).toEqual([])
  })

  it('applies an offset of exactly maxClockSkewSeconds, either way (the bound is inclusive)', () => {
    const { sessions, lines } = factory(60)
    expect(sessions.build(at(60_000)).expiresAt).toBe(EXP_MS - 60_000)
    expect(sessions.build(at(-60_000)).expiresAt).toBe(EXP_MS + 60_000)
    expect(lines).toEqual([])
  })

  it('ignores an offset beyond the bound (a lying Date header): the expiry stays on the local clock', () => {
    const { sessions } = factory(60)
    expect(sessions.build(at(60_001)).expiresAt).toBe(EXP_MS)
    expect(sessions.build(at(-2 * 86_400_000)).expiresAt).toBe(EXP_MS)
  })

  it('warns once per factory, naming the offset and the bound, however many responses are off', () => {
    const { sessions, lines } = factory()
    sessions.build(at(2 * 86_400_000))
    sessions.build(at(-2 * 86_400_000))
    sessions.build(at(3 * 86_400_000))
    expect(lines).toEqual([
      {
        level: 'warn',
        message: expect.stringContaining('maxClockSkewSeconds'),
        context: { offsetSeconds: 172_800, maxClockSkewSeconds: 3600 },
      },
    ])
  })

  it('warns for each client: two factories warn once each', () => {
    const a = factory()
    const b = factory()
    a.sessions.build(at(-2 * 86_400_000))
    b.sessions.build(at(-2 * 86_400_000))
    expect(a.lines).toHaveLength(1)
    expect(b.lines).toHaveLength(1)
    expect(a.lines[0]!.context).toMatchObject({ offsetSeconds: -172_800 })
  })

  it('with a bound of 0 believes only a zero offset', () => {
    const { sessions, lines } = factory(0)
    expect(sessions.build(at(0)).expiresAt).toBe(EXP_MS)
    expect(lines).toEqual([])
    expect(sessions.build(at(1_000)).expiresAt).toBe(EXP_MS)
    expect(lines).toHaveLength(1)
  })

  it('a response within the bound after one beyond it is corrected again', () => {
    const { sessions } = factory(60)
    sessions.build(at(86_400_000))
    expect(sessions.build(at(30_000)).expiresAt).toBe(EXP_MS - 30_000)
  })

  it('never logs the token', () => {
    const { sessions, lines } = factory()
    const received = at(86_400_000)
    sessions.build(received)
    expect(JSON.stringify(lines)).not.toContain(received.body.token)
  })
})

describe('SessionFactory.build: failure cases', () => {
  const received = (body: { token: string; record: Record<string, unknown> }): ReceivedAuth => ({
    body: body as ReceivedAuth['body'],
    clockOffsetMs: 0,
    receivedAt: START,
    exchange: { method: 'POST', path: '/api/collections/users/auth-refresh', status: 200 },
  })

  it('throws unexpected_response naming the request for a token that is not a PocketBase auth token', () => {
    const { sessions } = factory()
    const token = makeJwt({ type: 'file' })
    const run = (): unknown => sessions.build(received({ ...makeAuthResponse(), token }))
    expect(run).toThrow(
      expect.objectContaining({
        code: 'unexpected_response',
        message: expect.stringContaining('POST /api/collections/users/auth-refresh'),
      }),
    )
    try {
      run()
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain(token)
      expect(String(error)).not.toContain(token)
    }
  })

  it('throws unexpected_response for a token of another record than the one returned', () => {
    const { sessions } = factory()
    const body = makeAuthResponse()
    const other = { ...body, record: { ...body.record, id: 'otherrecord0001' } }
    expect(() => sessions.build(received(other))).toThrow(
      expect.objectContaining({ code: 'unexpected_response', message: expect.stringContaining('belong') }),
    )
  })
})
