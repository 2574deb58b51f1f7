import { describe, expect, it } from 'vitest'
import * as neutral from '../../src/server/index.js'
import * as node from '../../src/server/node.js'
import { GATE_SECRET_ENV, resolveVerifierOptions } from '../../src/server/verifier-options.js'
import { fakePocketBase } from './helpers/fake-pocketbase.js'

describe('the two entry points of pocketbase-auth/server', () => {
  it('export the same names', () => {
    expect(Object.keys(neutral).sort()).toEqual(Object.keys(node).sort())
  })

  it('verify alike (plain-JavaScript hash and node:crypto)', async () => {
    for (const entry of [neutral, node]) {
      const pb = fakePocketBase()
      const verifier = entry.createTokenVerifier({ url: 'http://pb.test', fetch: pb.fetch })
      const token = pb.issue()
      await verifier.verify(token)
      await verifier.verify(token)
      expect(pb.refreshes()).toBe(1)
    }
  })
})

describe('the gate secret from the environment', () => {
  const secret = 'S'.repeat(40)

  it('is read from POCKETBASE_TOTP_GATE when the option is not given; the option wins', () => {
    expect(
      resolveVerifierOptions({ url: 'http://pb.test' }, { [GATE_SECRET_ENV]: secret }).config.gateSecret,
    ).toBe(secret)
    expect(
      resolveVerifierOptions({ url: 'http://pb.test' }, { [GATE_SECRET_ENV]: '' }).config.gateSecret,
    ).toBeUndefined()
    const own = 'o'.repeat(32)
    expect(
      resolveVerifierOptions({ url: 'http://pb.test', gateSecret: own }, { [GATE_SECRET_ENV]: secret }).config
        .gateSecret,
    ).toBe(own)
  })

  it('a bad value is reported under the variable’s name, never quoted', () => {
    try {
      resolveVerifierOptions({ url: 'http://pb.test' }, { [GATE_SECRET_ENV]: 'too-short-gate' })
      expect.unreachable()
    } catch (error) {
      expect(JSON.stringify(error)).toContain(GATE_SECRET_ENV)
      expect(JSON.stringify(error)).not.toContain('too-short-gate')
    }
  })

  it('defaults: users only, 30 s, 10,000 entries, 10 s rejections, role, 5 s leeway and timeout', () => {
    const resolved = resolveVerifierOptions({ url: 'http://pb.test/' }, {})
    expect(resolved).toMatchObject({
      collections: new Set(['users']),
      cacheTtlMs: 30_000,
      maxEntries: 10_000,
      rejectionTtlMs: 10_000,
      roleField: 'role',
      leewayMs: 5_000,
    })
    expect(resolved.config).toMatchObject({ url: 'http://pb.test', timeoutMs: 5_000 })
  })
})
