/**
 * Byte helpers without `Buffer` (the entry runs on Edge runtimes too): UTF-8, base64url, and a comparison of two
 * tags that takes the same time wherever they differ.
 * @module
 */

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * The UTF-8 bytes of a string.
 *
 * @param text - any string
 * @returns its UTF-8 encoding
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/**
 * Decodes UTF-8 bytes strictly.
 *
 * @param bytes - the bytes
 * @returns the string, or `undefined` when the bytes are not valid UTF-8
 */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Base64url without padding (RFC 4648 §5): only `A-Z a-z 0-9 - _`, characters that `encodeURIComponent` leaves
 * alone, so a framework that encodes cookie values sends them unchanged.
 *
 * @param bytes - the bytes to encode
 * @returns the base64url text
 */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Decodes base64url without padding.
 *
 * @param text - the base64url text
 * @returns the bytes, or `undefined` when `text` is not base64url
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[\w-]*$/.test(text) || text.length % 4 === 1) return undefined
  let binary: string
  try {
    binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/**
 * Compares two tags in time that depends only on their length, so a forger learns nothing from how long a
 * rejection takes.
 *
 * @param a - one tag
 * @param b - the other
 * @returns `true` when both have the same length and bytes
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return difference === 0
}
