import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { DerivedKeys, parseKey } from '../../src/totp/keys.js'
import { open, seal } from '../../src/totp/sealing.js'

const raw = randomBytes(32)
const keys = new DerivedKeys(Uint8Array.from(raw))
const binding = { collection: 'users', recordId: 'abc123def456ghi' }
const NOW = 1_800_000_000_000

describe('parseKey', () => {
  it('takes 32 bytes in base64 (padded or not) or base64url', () => {
    for (const text of [
      raw.toString('base64'),
      raw.toString('base64').replace(/=+$/, ''),
      raw.toString('base64url'),
    ]) {
      expect(Buffer.from(parseKey(text)!)).toEqual(raw)
    }
    expect(Buffer.from(parseKey(`  ${raw.toString('base64')}\n`)!)).toEqual(raw)
  })

  it('refuses other lengths and other characters', () => {
    expect(parseKey(randomBytes(31).toString('base64'))).toBeUndefined()
    expect(parseKey(randomBytes(33).toString('base64'))).toBeUndefined()
    expect(parseKey('not a key at all, but long enough to look like one!!')).toBeUndefined()
    expect(parseKey('')).toBeUndefined()
  })
})

describe('DerivedKeys', () => {
  it('derives a different key per purpose, the same one every time', async () => {
    const [secret, mfa, recovery] = await Promise.all([
      keys.get('secret'),
      keys.get('mfa'),
      keys.get('recovery'),
    ])
    expect(new Set([secret, mfa, recovery].map((key) => Buffer.from(key).toString('hex'))).size).toBe(3)
    expect(Buffer.from(await new DerivedKeys(Uint8Array.from(raw)).get('secret'))).toEqual(
      Buffer.from(secret),
    )
    expect(Buffer.from(secret)).not.toEqual(raw)
  })

  it('HMACs are deterministic and depend on the key', async () => {
    const other = new DerivedKeys(Uint8Array.from(randomBytes(32)))
    expect(await keys.hmacHex('m')).toBe(await keys.hmacHex('m'))
    expect(await keys.hmacHex('m')).toMatch(/^[0-9a-f]{64}$/)
    expect(await other.hmacHex('m')).not.toBe(await keys.hmacHex('m'))
  })
})

describe('sealed values', () => {
  it('open with the same key, kind and binding, and show nothing in clear', async () => {
    const sealed = await seal(keys, 'secret', binding, { sec: 'JBSWY3DPEHPK3PXP' }, NOW)
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP')
    expect(sealed.split('.')).toHaveLength(5)
    const opened = await open(keys, 'secret', sealed, NOW, binding)
    expect(opened).toMatchObject({ claims: { sec: 'JBSWY3DPEHPK3PXP', rid: binding.recordId, col: 'users' } })
  })

  it('do not open as another kind, for another record or collection, or with another key', async () => {
    const sealed = await seal(keys, 'secret', binding, { sec: 's' }, NOW)
    expect(await open(keys, 'pending', sealed, NOW, binding)).toEqual({ failure: 'invalid' })
    expect(await open(keys, 'mfa', sealed, NOW, {})).toEqual({ failure: 'invalid' })
    expect(await open(keys, 'secret', sealed, NOW, { ...binding, recordId: 'other' })).toEqual({
      failure: 'invalid',
    })
    expect(await open(keys, 'secret', sealed, NOW, { ...binding, collection: 'staff' })).toEqual({
      failure: 'invalid',
    })
    const other = new DerivedKeys(Uint8Array.from(randomBytes(32)))
    expect(await open(other, 'secret', sealed, NOW, binding)).toEqual({ failure: 'invalid' })
  })

  it('a tampered value does not open', async () => {
    const sealed = await seal(keys, 'mfa', binding, { tok: 't' }, NOW, 300_000)
    const parts = sealed.split('.')
    const body = parts[3]!
    parts[3] = (body[0] === 'A' ? 'B' : 'A') + body.slice(1)
    expect(await open(keys, 'mfa', parts.join('.'), NOW, binding)).toEqual({ failure: 'invalid' })
    expect(await open(keys, 'mfa', 'garbage', NOW, binding)).toEqual({ failure: 'invalid' })
  })

  it('expire on the injected clock', async () => {
    const sealed = await seal(keys, 'mfa', binding, { tok: 't' }, NOW, 300_000)
    expect(await open(keys, 'mfa', sealed, NOW + 299_000, binding)).toHaveProperty('claims')
    expect(await open(keys, 'mfa', sealed, NOW + 301_000, binding)).toEqual({ failure: 'expired' })
  })
})
