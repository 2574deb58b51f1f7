/**
 * SHA-256 in plain JavaScript (FIPS 180-4), synchronous, for runtimes without `node:crypto`: Web Crypto's
 * `crypto.subtle.digest` is asynchronous and, measured here, cost 66-86 µs at p99 on the verifier's hot path.
 * It hashes tokens into cache keys, which needs collision resistance only; nothing secret is derived from it.
 * Checked against `node:crypto` on arbitrary input in `test/server/sha256.test.ts`. Not `@noble/hashes` (which
 * the ssr entry's HMAC uses): measured on a cache hit, its per-call allocations gave p50 8.0 µs and p99 65 µs
 * against 5.4 µs and 31-35 µs here, over the 50 µs goal (`npm run bench -- server`).
 * @module
 */

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
])

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const INITIAL = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
] as const

const encoder = new TextEncoder()
/** The message schedule, reused by every call (the function never yields, so calls cannot interleave). */
const w = new Int32Array(64)
/** A reused buffer for the padded message of short ASCII inputs (every PocketBase token fits). */
let scratch = new Uint8Array(1024)
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

/** The padded message: the input's UTF-8 bytes, 0x80, zeros, the bit length (64-bit big-endian). */
function pad(text: string): { bytes: Uint8Array; length: number } {
  let ascii = true
  for (let i = 0; i < text.length && ascii; i++) ascii = text.charCodeAt(i) < 0x80
  const input = ascii ? undefined : encoder.encode(text)
  const size = input?.length ?? text.length
  const length = Math.ceil((size + 9) / 64) * 64
  let bytes: Uint8Array
  if (input === undefined && length <= 4096) {
    if (scratch.length < length) scratch = new Uint8Array(length)
    bytes = scratch
    bytes.fill(0, size, length)
    for (let i = 0; i < size; i++) bytes[i] = text.charCodeAt(i)
  } else {
    bytes = new Uint8Array(length)
    if (input === undefined) for (let i = 0; i < size; i++) bytes[i] = text.charCodeAt(i)
    else bytes.set(input)
  }
  bytes[size] = 0x80
  const bits = size * 8
  const high = Math.floor(bits / 0x1_0000_0000)
  for (let i = 0; i < 4; i++) {
    bytes[length - 8 + i] = (high >>> (24 - 8 * i)) & 0xff
    bytes[length - 4 + i] = (bits >>> (24 - 8 * i)) & 0xff
  }
  return { bytes, length }
}

/**
 * The SHA-256 digest of a string's UTF-8 bytes, as lowercase hex (64 characters).
 *
 * @param text - any string
 * @returns the digest in hex, the same as `createHash('sha256').update(text).digest('hex')`
 * @example
 * ```ts
 * sha256Hex('abc') // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 * ```
 */
export function sha256Hex(text: string): string {
  const { bytes, length } = pad(text)
  let h0: number = INITIAL[0]
  let h1: number = INITIAL[1]
  let h2: number = INITIAL[2]
  let h3: number = INITIAL[3]
  let h4: number = INITIAL[4]
  let h5: number = INITIAL[5]
  let h6: number = INITIAL[6]
  let h7: number = INITIAL[7]
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0, j = offset; i < 16; i++, j += 4) {
      w[i] =
        ((bytes[j] ?? 0) << 24) |
        ((bytes[j + 1] ?? 0) << 16) |
        ((bytes[j + 2] ?? 0) << 8) |
        (bytes[j + 3] ?? 0)
    }
    for (let i = 16; i < 64; i++) {
      const w15 = w[i - 15] ?? 0
      const w2 = w[i - 2] ?? 0
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3)
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10)
      w[i] = ((w[i - 16] ?? 0) + s0 + (w[i - 7] ?? 0) + s1) | 0
    }
    let a = h0
    let b = h1
    let c = h2
    let d = h3
    let e = h4
    let f = h5
    let g = h6
    let h = h7
    for (let i = 0; i < 64; i++) {
      const t1 =
        (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[i] ?? 0) + (w[i] ?? 0)) | 0
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    h0 = (h0 + a) | 0
    h1 = (h1 + b) | 0
    h2 = (h2 + c) | 0
    h3 = (h3 + d) | 0
    h4 = (h4 + e) | 0
    h5 = (h5 + f) | 0
    h6 = (h6 + g) | 0
    h7 = (h7 + h) | 0
  }
  return (
    hexWord(h0) +
    hexWord(h1) +
    hexWord(h2) +
    hexWord(h3) +
    hexWord(h4) +
    hexWord(h5) +
    hexWord(h6) +
    hexWord(h7)
  )
}

function hexWord(word: number): string {
  return (
    (HEX[(word >>> 24) & 0xff] ?? '') +
    (HEX[(word >>> 16) & 0xff] ?? '') +
    (HEX[(word >>> 8) & 0xff] ?? '') +
    (HEX[word & 0xff] ?? '')
  )
}
