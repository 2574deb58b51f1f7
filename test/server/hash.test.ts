import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nodeSha256Hex } from '../../src/server/hash-node.js'
import { sha256Hex } from '../../src/server/sha256.js'

const reference = (text: string): string => createHash('sha256').update(text).digest('hex')

describe.each([
  ['plain JavaScript', sha256Hex],
  ['node:crypto', nodeSha256Hex],
])('SHA-256 (%s)', (_, hash) => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(hash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(hash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(hash('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    )
    expect(hash('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    )
  })

  it('equals node:crypto on every length around the block boundaries', () => {
    for (let length = 0; length <= 200; length++)
      expect(hash('x'.repeat(length))).toBe(reference('x'.repeat(length)))
  })

  it('equals node:crypto on arbitrary strings: any code point, lone surrogates included (UTF-8 bytes)', () => {
    const codePoints = fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 300 })
    const codeUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 })
    const text = fc.oneof(
      codePoints.map((points) => String.fromCodePoint(...points)),
      codeUnits.map((units) => String.fromCharCode(...units)),
    )
    fc.assert(
      fc.property(text, (value) => hash(value) === reference(value)),
      { numRuns: 500 },
    )
  })
})
