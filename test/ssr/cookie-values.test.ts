import { describe, expect, it } from 'vitest'
import { parseCookieHeader, serializeCookie } from '../../src/ssr/index.js'
import { hmacSha256 } from '../../src/ssr/hmac-sha256.js'
import { keyRing } from '../../src/ssr/keys.js'
import { decodeSession, encodeSession } from '../../src/ssr/session-codec.js'
import {
  parseSessionValue,
  readSessionValue,
  sessionTokenFromCookies,
} from '../../src/ssr/session-cookie-value.js'
import type { AuthSession } from '../../src/index.js'
import { makeAuthResponse } from '../helpers/factories.js'
import { OTHER_SECRET, SECRET } from './helpers.js'

function sessionOf(record: Record<string, unknown> = {}): AuthSession {
  const { token, record: full } = makeAuthResponse({ record })
  return {
    token,
    record: full as AuthSession['record'],
    collectionId: String(full.collectionId),
    collectionName: String(full.collectionName),
    recordId: String(full.id),
    expiresAt: Date.now() + 3_600_000,
    issuedAt: 1_700_000_000_123,
    refreshable: true,
  }
}

const ring = keyRing([SECRET], hmacSha256)
const lookup = (cookies: Record<string, string>) => (name: string) => cookies[name]

describe('parseCookieHeader and serializeCookie', () => {
  it('reads pairs in order, trims, unquotes and URI-decodes values with %', () => {
    expect(parseCookieHeader(' a=1; b="two" ;c=%7B%22x%22%3A1%7D; d=50%; e=; =x; junk')).toEqual([
      { name: 'a', value: '1' },
      { name: 'b', value: 'two' },
      { name: 'c', value: '{"x":1}' },
      { name: 'd', value: '50%' },
      { name: 'e', value: '' },
    ])
  })

  it('treats a missing header as no cookies', () => {
    expect(parseCookieHeader(null)).toEqual([])
    expect(parseCookieHeader(undefined)).toEqual([])
  })

  it('writes the attributes the session needs', () => {
    expect(
      serializeCookie({
        name: 'pb_auth',
        value: 'v1~a.b',
        options: {
          httpOnly: true,
          secure: true,
          sameSite: 'lax',
          path: '/',
          domain: 'example.com',
          maxAge: 60.9,
        },
      }),
    ).toBe('pb_auth=v1~a.b; Max-Age=60; Domain=example.com; Path=/; HttpOnly; Secure; SameSite=Lax')
  })
})

describe('the signed session value', () => {
  it('round-trips token, record and issuedAt, using only characters encodeURIComponent keeps', () => {
    const session = sessionOf({ name: 'Zoë 🦊', bio: 'a~b;c,d "e"' })
    const value = encodeSession(session, ring, hmacSha256)
    expect(encodeURIComponent(value)).toBe(value)
    expect(decodeSession(value, ring, hmacSha256)).toEqual({
      kind: 'signed',
      token: session.token,
      record: session.record,
      issuedAt: session.issuedAt,
      clockOffsetMs: expect.any(Number),
    })
  })

  it('refuses a value whose record, token, issuedAt or tag was changed', () => {
    const session = sessionOf({ role: 'user' })
    const value = encodeSession(session, ring, hmacSha256)
    const [v, token, record, issuedAt, offset, tag] = value.split('~') as [
      string,
      string,
      string,
      string,
      string,
      string,
    ]
    const forgedRecord = Buffer.from(JSON.stringify({ ...session.record, role: 'admin' })).toString(
      'base64url',
    )
    const other = makeAuthResponse({ record: { id: 'otherrecord0001' } }).token
    for (const forged of [
      [v, token, forgedRecord, issuedAt, offset, tag],
      [v, other, record, issuedAt, offset, tag],
      [v, token, record, String(Number(issuedAt) + 1), offset, tag],
      [v, token, record, issuedAt, String(Number(offset) - 60_000), tag],
      [v, token, record, issuedAt, offset, tag.slice(0, -2) + (tag.endsWith('AA') ? 'AB' : 'AA')],
      [v, token, record, issuedAt, tag],
    ]) {
      expect(decodeSession(forged.join('~'), ring, hmacSha256)).toBeUndefined()
    }
  })

  it('opens values of every secret of the ring and signs with the first (key rotation)', () => {
    const session = sessionOf()
    const old = encodeSession(session, keyRing([OTHER_SECRET], hmacSha256), hmacSha256)
    const rotated = keyRing([SECRET, OTHER_SECRET], hmacSha256)
    expect(decodeSession(old, rotated, hmacSha256)?.kind).toBe('signed')
    expect(decodeSession(old, ring, hmacSha256)).toBeUndefined()
    expect(decodeSession(encodeSession(session, rotated, hmacSha256), ring, hmacSha256)?.kind).toBe('signed')
  })

  it("reads the official SDK's pb_auth value, encoded or decoded, as unsigned (legacy)", () => {
    const { token, record } = makeAuthResponse()
    const json = JSON.stringify({ token, record })
    for (const value of [json, encodeURIComponent(json), JSON.stringify({ token, model: record })]) {
      expect(decodeSession(value, ring, hmacSha256)).toEqual({ kind: 'legacy', token })
    }
    for (const junk of ['{', '{"token":1}', '[]', 'null', 'v1~only~three~four~five', '%7Bbroken%', 'hello']) {
      expect(decodeSession(junk, ring, hmacSha256)).toBeUndefined()
    }
  })
})

describe('chunks', () => {
  it('prefers the whole cookie, else joins chunks up to the first gap', () => {
    expect(readSessionValue(lookup({ pb_auth: 'whole', 'pb_auth.0': 'x' }), 'pb_auth')).toBe('whole')
    expect(
      readSessionValue(lookup({ 'pb_auth.0': 'ab', 'pb_auth.1': 'cd', 'pb_auth.3': 'zz' }), 'pb_auth'),
    ).toBe('abcd')
    expect(readSessionValue(lookup({ 'pb_auth.1': 'cd' }), 'pb_auth')).toBeUndefined()
    expect(readSessionValue(lookup({ other: 'x' }), 'pb_auth')).toBeUndefined()
  })

  it('gives the token of a chunked session without the secret (what pocketbase-auth/server reads)', () => {
    const value = encodeSession(sessionOf(), ring, hmacSha256)
    const cookies = { 'pb_auth.0': value.slice(0, 100), 'pb_auth.1': value.slice(100) }
    expect(sessionTokenFromCookies(lookup(cookies), 'pb_auth')).toBe(parseSessionValue(value)?.token)
  })
})
