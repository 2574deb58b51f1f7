import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { isAuthError } from '../../src/index.js'
import { createTokenVerifier, type TokenVerifierOptions } from '../../src/server/node.js'
import { rejectionOf } from '../helpers/rejection.js'
import { fakePocketBase, type FakePocketBase } from './helpers/fake-pocketbase.js'

const START = Date.parse('2026-12-01T12:00:00Z')
let clock = START
let pb: FakePocketBase

function verifierFor(options: Partial<TokenVerifierOptions> = {}) {
  pb = fakePocketBase(() => clock)
  return createTokenVerifier({ url: 'http://pb.test', fetch: pb.fetch, now: () => clock, ...options })
}

afterEach(() => {
  clock = START
})

describe('caching', () => {
  it('answers from memory until cacheTtlSeconds, then asks again and sees the change', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 30 })
    const token = pb.issue({ role: 'user' })
    await verifier.verify(token)
    pb.setRecord(token, { role: 'admin' })
    clock += 29_000
    expect((await verifier.verify(token)).role).toBe('user')
    expect(pb.refreshes()).toBe(1)
    clock += 1_000
    expect((await verifier.verify(token)).role).toBe('admin')
    pb.setState(token, 'revoked')
    clock += 30_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'token_revoked' })
    expect(pb.refreshes()).toBe(3)
    expect(verifier.stats()).toMatchObject({ cacheHits: 1, confirmations: 3 })
  })

  it('never keeps an identity past the token’s exp', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 3600, leewaySeconds: 0 })
    const token = pb.issue({}, { exp: Math.floor(clock / 1000) + 10 })
    await verifier.verify(token)
    clock += 10_000
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_expired' })
    expect(pb.refreshes()).toBe(1)
  })

  it('cacheTtlSeconds 0 asks every time', async () => {
    const verifier = verifierFor({ cacheTtlSeconds: 0 })
    const token = pb.issue()
    await verifier.verify(token)
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(2)
  })

  it('holds at most maxEntries identities, dropping the least recently used', async () => {
    const verifier = verifierFor({ maxEntries: 2 })
    const [a, b, c] = ['a', 'b', 'c'].map((letter) => pb.issue({ id: `${letter}23456789012345` })) as [
      string,
      string,
      string,
    ]
    await verifier.verify(a)
    await verifier.verify(b)
    await verifier.verify(a) // a is now the most recently used
    await verifier.verify(c) // evicts b
    expect(verifier.stats().cachedIdentities).toBe(2)
    await verifier.verify(a)
    expect(pb.refreshes()).toBe(3)
    await verifier.verify(b)
    expect(pb.refreshes()).toBe(4)
  })

  it('concurrent checks of one token share one request and get the same identity', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    const identities = await Promise.all(Array.from({ length: 200 }, () => verifier.verify(token)))
    expect(pb.refreshes()).toBe(1)
    expect(new Set(identities).size).toBe(1)
    expect(verifier.stats().inFlight).toBe(0)
  })

  it('concurrent checks of one rejected token share one request', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    pb.setState(token, 'revoked')
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => verifier.verify(token)))
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(pb.refreshes()).toBe(1)
  })

  it('forget() and clear() drop what is remembered, and an answer to a forgotten request is not cached', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    await verifier.verify(token)
    verifier.forget(token)
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(2)
    verifier.clear()
    const pending = verifier.verify(token)
    verifier.forget(token)
    await pending
    await verifier.verify(token)
    expect(pb.refreshes()).toBe(4)
    expect(verifier.stats()).toMatchObject({ cachedIdentities: 1, cachedRejections: 0, inFlight: 0 })
  })

  it('a caller’s signal stops its own wait only; the shared answer is still cached', async () => {
    const verifier = verifierFor()
    const token = pb.issue()
    const controller = new AbortController()
    const mine = verifier.verify(token, { signal: controller.signal })
    const theirs = verifier.verify(token)
    controller.abort()
    await expect(mine).rejects.toMatchObject({ code: 'aborted' })
    await expect(theirs).resolves.toMatchObject({ recordId: 'record1234567ab' })
    // An answer in memory needs no wait: it is returned even to an aborted signal.
    await expect(verifier.verify(token, { signal: AbortSignal.abort() })).resolves.toMatchObject({
      recordId: 'record1234567ab',
    })
    expect(pb.refreshes()).toBe(1)
    await expect(
      verifier.verify(pb.issue({ id: 'other1234567890' }), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('secrets', () => {
  it('no error, log line or stats output contains the token', async () => {
    const lines: string[] = []
    const log = (message: string, context?: object): void =>
      void lines.push(message + JSON.stringify(context))
    const verifier = verifierFor({ logger: { debug: log, info: log, warn: log, error: log } })
    const tokens = [
      pb.issue({ id: 'ok1234567890123' }),
      pb.issue({ id: 'rev123456789012' }),
      pb.issue({ id: 'down12345678901' }),
    ]
    pb.setState(tokens[1]!, 'revoked')
    await verifier.verify(tokens[0])
    const errors: unknown[] = [await rejectionOf(verifier.verify(tokens[1]))]
    pb.answerNext(() => Promise.reject(new TypeError('fetch failed')))
    errors.push(await rejectionOf(verifier.verify(tokens[2])))
    errors.push(await rejectionOf(verifier.verify(`${tokens[0]}x`.replace('.', '!'))))
    expect(lines.length).toBeGreaterThan(0)
    const dumps = [
      ...lines,
      JSON.stringify(verifier.stats()),
      ...errors.flatMap((error) => [
        JSON.stringify(error),
        inspect(error, { showHidden: true, depth: 10 }),
        String((error as Error).stack),
      ]),
    ]
    expect(errors.every(isAuthError)).toBe(true)
    for (const token of tokens) {
      const signature = token.split('.')[1]!
      for (const dump of dumps) expect(dump).not.toContain(signature)
    }
  })
})

describe('options', () => {
  it('names every bad option, never its value', () => {
    const error = rejectionOfSync(() =>
      createTokenVerifier({
        url: 'ftp://secret-host',
        collections: [],
        cacheTtlSeconds: -1,
        maxEntries: 1.5,
        roleField: 'no spaces',
        gateSecret: 'short-secret-value',
        extra: 1,
      } as unknown as TokenVerifierOptions),
    )
    expect(error).toMatchObject({ code: 'config_invalid' })
    const paths = (error as { issues: { path: string }[] }).issues.map((issue) => issue.path).sort()
    expect(paths).toEqual([
      'cacheTtlSeconds',
      'collections',
      'extra',
      'gateSecret',
      'maxEntries',
      'roleField',
      'url',
    ])
    expect(JSON.stringify(error)).not.toMatch(/secret-host|short-secret-value/)
  })
})

function rejectionOfSync(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}
