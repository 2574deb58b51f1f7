import { generate } from 'otplib'
import { describe, expect, it } from 'vitest'
import {
  matchingStep,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  qrSvg,
  shapeOf,
  stepAt,
} from '../../src/totp/codes.js'
import { decodeQrSvg } from './helpers.js'

const NOW = 1_800_000_015_000
const code = (secret: string, ms: number): Promise<string> =>
  generate({ secret, epoch: Math.floor(ms / 1000) })

describe('TOTP codes', () => {
  it('secrets are 160-bit base32', () => {
    const secret = newTotpSecret()
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(newTotpSecret()).not.toBe(secret)
  })

  it('the URI names the issuer and account, and its QR code reads back to it', () => {
    const uri = otpauthUri('Acme', 'alice@example.com', 'JBSWY3DPEHPK3PXP')
    expect(uri).toBe('otpauth://totp/Acme:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme')
    expect(decodeQrSvg(qrSvg(uri))).toBe(uri)
  })

  it('accepts the current step and one either way, and returns the step matched', async () => {
    const secret = newTotpSecret()
    const step = stepAt(NOW)
    expect(await matchingStep(secret, await code(secret, NOW), NOW, undefined)).toBe(step)
    expect(await matchingStep(secret, await code(secret, NOW - 30_000), NOW, undefined)).toBe(step - 1)
    expect(await matchingStep(secret, await code(secret, NOW + 30_000), NOW, undefined)).toBe(step + 1)
    expect(await matchingStep(secret, await code(secret, NOW - 60_000), NOW, undefined)).toBeUndefined()
    expect(await matchingStep(secret, await code(secret, NOW + 60_000), NOW, undefined)).toBeUndefined()
  })

  it('refuses the last accepted step and every earlier one', async () => {
    const secret = newTotpSecret()
    const step = stepAt(NOW)
    expect(await matchingStep(secret, await code(secret, NOW), NOW, step)).toBeUndefined()
    expect(await matchingStep(secret, await code(secret, NOW - 30_000), NOW, step - 1)).toBeUndefined()
    expect(await matchingStep(secret, await code(secret, NOW), NOW, step - 1)).toBe(step)
  })

  it('tells a TOTP code from a recovery code, ignoring spaces, dashes and case', () => {
    expect(shapeOf(' 123 456 ')).toEqual({ kind: 'totp', code: '123456' })
    expect(shapeOf('ABCD-EFGH-JKMN-PQRS')).toEqual({ kind: 'recovery', code: 'abcdefghjkmnpqrs' })
    expect(shapeOf('12345')).toEqual({ kind: 'malformed' })
    expect(shapeOf('abcd-efgh-ijkl-mnop')).toEqual({ kind: 'malformed' }) // i and l are not in the alphabet
  })

  it('recovery codes: 10 distinct, shaped xxxx-xxxx-xxxx-xxxx, each read back as a recovery code', () => {
    const codes = newRecoveryCodes(10)
    expect(new Set(codes).size).toBe(10)
    for (const recovery of codes) {
      expect(recovery).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/)
      expect(shapeOf(recovery).kind).toBe('recovery')
    }
  })
})
