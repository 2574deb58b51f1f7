/**
 * The TOTP key (`POCKETBASE_TOTP_KEY`) and the keys derived from it with HKDF-SHA-256, one per purpose, so a
 * value sealed for one purpose can never be opened as another. Web Crypto only: no `node:` import.
 * @module
 */

/** What a derived key is for; also the HKDF `info`. */
export type KeyPurpose = 'secret' | 'mfa' | 'recovery'

const KEY_BYTES = 32

/**
 * Decodes the TOTP key: exactly 32 bytes in base64 (`+/`, padded or not) or base64url.
 *
 * @param text - the key as configured
 * @returns the raw key, or `undefined` when it is not 32 bytes of base64/base64url
 */
export function parseKey(text: string): Uint8Array<ArrayBuffer> | undefined {
  const trimmed = text.trim()
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined
  const base64 = trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')
  let binary: string
  try {
    binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  } catch {
    return undefined
  }
  if (binary.length !== KEY_BYTES) return undefined
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

/** The keys derived from one TOTP key; each is derived once, on first use. */
export class DerivedKeys {
  readonly #master: Uint8Array<ArrayBuffer>
  readonly #keys = new Map<KeyPurpose, Promise<Uint8Array<ArrayBuffer>>>()

  /** @param master - the 32-byte TOTP key */
  constructor(master: Uint8Array<ArrayBuffer>) {
    this.#master = master
  }

  /**
   * The 32-byte key for one purpose.
   *
   * @param purpose - what the key is for
   * @returns HKDF-SHA-256(master, salt = '', info = `pocketbase-auth/totp ${purpose}`)
   */
  get(purpose: KeyPurpose): Promise<Uint8Array<ArrayBuffer>> {
    let key = this.#keys.get(purpose)
    if (key === undefined) {
      key = derive(this.#master, purpose)
      this.#keys.set(purpose, key)
    }
    return key
  }

  /**
   * HMAC-SHA-256 of `message` with the `recovery` key, hex-encoded: how recovery codes are stored. Without the
   * TOTP key a copy of the database cannot even test a guess.
   *
   * @param message - what to authenticate
   * @returns 64 hex characters
   */
  async hmacHex(message: string): Promise<string> {
    const raw = await this.get('recovery')
    const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)))
    return Array.from(mac, (byte) => byte.toString(16).padStart(2, '0')).join('')
  }

  /**
   * A short, public id of the key of one purpose (the JWE `kid`), so a future key rotation can tell which key
   * sealed a value.
   *
   * @param purpose - the key's purpose
   * @returns 16 base64url characters of SHA-256(derived key)
   */
  async keyId(purpose: KeyPurpose): Promise<string> {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await this.get(purpose)))
    return btoa(String.fromCharCode(...digest.subarray(0, 12)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
  }
}

async function derive(
  master: Uint8Array<ArrayBuffer>,
  purpose: KeyPurpose,
): Promise<Uint8Array<ArrayBuffer>> {
  const base = await crypto.subtle.importKey('raw', master, 'HKDF', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(`pocketbase-auth/totp ${purpose}`),
    },
    base,
    KEY_BYTES * 8,
  )
  return new Uint8Array(bits)
}
