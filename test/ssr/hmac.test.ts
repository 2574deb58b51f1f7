import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nodeHmacSha256 } from '../../src/ssr/hmac-node.js'
import { hmacSha256 } from '../../src/ssr/hmac-sha256.js'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const text = (value: string): Uint8Array => new TextEncoder().encode(value)

describe('HMAC-SHA-256 in plain JavaScript', () => {
  it('matches RFC 4231 test cases 1 and 2', () => {
    expect(hex(hmacSha256(new Uint8Array(20).fill(0x0b), text('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    )
    expect(hex(hmacSha256(text('Jefe'), text('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })

  it('hashes a key longer than a block first (RFC 4231 test case 6)', () => {
    const key = new Uint8Array(131).fill(0xaa)
    const message = text('Test Using Larger Than Block-Size Key - Hash Key First')
    expect(hex(hmacSha256(key, message))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    )
  })

  it('gives the same tag as node:crypto for any key and message, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), (key, message) => {
        const expected = createHmac('sha256', key).update(message).digest('hex')
        expect(hex(hmacSha256(key, message))).toBe(expected)
        expect(hex(nodeHmacSha256(key, message))).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })
})
