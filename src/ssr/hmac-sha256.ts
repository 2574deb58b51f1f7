/**
 * HMAC-SHA-256 (RFC 2104, FIPS 180-4) in plain JavaScript, synchronous, for runtimes without `node:crypto` (Next.js
 * middleware on the Edge runtime, Workers). The session cookie is signed and checked inside synchronous paths (a
 * `TokenStore`'s `get` and `set`), where Web Crypto's promise-based `crypto.subtle.sign` cannot be awaited. Checked
 * against `node:crypto` on arbitrary keys and messages in `test/ssr/hmac.test.ts`.
 * @module
 */

/** A synchronous HMAC-SHA-256: the 32-byte tag of `message` under `key`. */
export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array

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

const BLOCK_BYTES = 64
/** The message schedule, reused by every call (the functions never yield, so calls cannot interleave). */
const w = new Int32Array(64)

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n))

/** Runs the compression function over every 64-byte block of `bytes` (a whole number of blocks). */
function compress(state: Int32Array, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; offset += BLOCK_BYTES) {
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
    let a = state[0] ?? 0
    let b = state[1] ?? 0
    let c = state[2] ?? 0
    let d = state[3] ?? 0
    let e = state[4] ?? 0
    let f = state[5] ?? 0
    let g = state[6] ?? 0
    let h = state[7] ?? 0
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
    state[0] = ((state[0] ?? 0) + a) | 0
    state[1] = ((state[1] ?? 0) + b) | 0
    state[2] = ((state[2] ?? 0) + c) | 0
    state[3] = ((state[3] ?? 0) + d) | 0
    state[4] = ((state[4] ?? 0) + e) | 0
    state[5] = ((state[5] ?? 0) + f) | 0
    state[6] = ((state[6] ?? 0) + g) | 0
    state[7] = ((state[7] ?? 0) + h) | 0
  }
}

/**
 * The SHA-256 digest of `prefix` (exactly one 64-byte block, or empty) followed by `message`.
 *
 * @param prefix - the padded HMAC key (64 bytes), or an empty array
 * @param message - the bytes to hash after it
 * @returns the 32-byte digest
 */
function sha256(prefix: Uint8Array, message: Uint8Array): Uint8Array {
  const size = prefix.length + message.length
  const length = Math.ceil((size + 9) / BLOCK_BYTES) * BLOCK_BYTES
  const bytes = new Uint8Array(length)
  bytes.set(prefix)
  bytes.set(message, prefix.length)
  bytes[size] = 0x80
  const bits = size * 8
  const high = Math.floor(bits / 0x1_0000_0000)
  for (let i = 0; i < 4; i++) {
    bytes[length - 8 + i] = (high >>> (24 - 8 * i)) & 0xff
    bytes[length - 4 + i] = (bits >>> (24 - 8 * i)) & 0xff
  }
  const state = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ])
  compress(state, bytes)
  const digest = new Uint8Array(32)
  for (let i = 0; i < 8; i++) {
    const word = state[i] ?? 0
    digest[4 * i] = (word >>> 24) & 0xff
    digest[4 * i + 1] = (word >>> 16) & 0xff
    digest[4 * i + 2] = (word >>> 8) & 0xff
    digest[4 * i + 3] = word & 0xff
  }
  return digest
}

const EMPTY = new Uint8Array(0)

/**
 * HMAC-SHA-256 in plain JavaScript.
 *
 * @param key - the key, any length (hashed first when longer than 64 bytes)
 * @param message - the bytes to authenticate
 * @returns the 32-byte tag, the same as `createHmac('sha256', key).update(message).digest()`
 * @example
 * ```ts
 * const tag = hmacSha256(new TextEncoder().encode('key'), new TextEncoder().encode('message'))
 * ```
 */
export const hmacSha256: HmacSha256 = (key, message) => {
  const block = new Uint8Array(BLOCK_BYTES)
  block.set(key.length > BLOCK_BYTES ? sha256(EMPTY, key) : key)
  const inner = new Uint8Array(BLOCK_BYTES)
  const outer = new Uint8Array(BLOCK_BYTES)
  for (let i = 0; i < BLOCK_BYTES; i++) {
    const byte = block[i] ?? 0
    inner[i] = byte ^ 0x36
    outer[i] = byte ^ 0x5c
  }
  return sha256(outer, sha256(inner, message))
}
