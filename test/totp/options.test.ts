import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, createAuthClient, MfaRequiredError } from '../../src/index.js'
import { createTotp } from '../../src/totp/index.js'
import { newGateSecret, newKey } from './helpers.js'

const superuser = createAuthClient({
  url: 'http://127.0.0.1:1',
  collection: '_superusers',
  autoRefresh: false,
})
const user = createAuthClient({ url: 'http://127.0.0.1:1', autoRefresh: false })
const key = newKey()
const gateSecret = newGateSecret()

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('createTotp options', () => {
  afterEach(() => {
    delete process.env['POCKETBASE_TOTP_KEY']
    delete process.env['POCKETBASE_TOTP_GATE']
  })

  it('accepts a superuser, an issuer, a key and a gate secret', () => {
    expect(createTotp({ superuser, issuer: 'Acme', key, gateSecret }).collection).toBe('users')
  })

  it('reads the key and gate secret from the environment', () => {
    process.env['POCKETBASE_TOTP_KEY'] = key
    process.env['POCKETBASE_TOTP_GATE'] = gateSecret
    expect(createTotp({ superuser, issuer: 'Acme', collection: 'staff' }).collection).toBe('staff')
  })

  it('names every bad option, and never echoes a value', () => {
    const badKey = 'short-key-value'
    const badGate = 'gate with spaces that is long enough!!'
    const error = configError(() =>
      createTotp({ superuser: user, issuer: 'Ac:me', key: badKey, gateSecret: badGate, collection: 'a b' }),
    )
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'collection',
      'gateSecret',
      'issuer',
      'key',
      'superuser',
    ])
    const text = `${error.message} ${JSON.stringify(error)} ${inspect(error, { showHidden: true })}`
    expect(text).not.toContain(badKey)
    expect(text).not.toContain(badGate)
  })

  it('says which variable is missing', () => {
    const error = configError(() => createTotp({ superuser, issuer: 'Acme' }))
    expect(error.issues.map((issue) => issue.path)).toEqual([
      'key (POCKETBASE_TOTP_KEY)',
      'gateSecret (POCKETBASE_TOTP_GATE)',
    ])
  })

  it('refuses a missing options object, a non-client and unknown options', () => {
    expect(configError(() => createTotp(undefined as never)).issues[0]?.path).toBe('(options)')
    expect(
      configError(() => createTotp({ superuser: {} as never, issuer: 'A', key, gateSecret })).issues[0]?.path,
    ).toBe('superuser')
    expect(
      configError(() => createTotp({ superuser, issuer: 'A', key, gateSecret, extra: 1 } as never)).issues[0]
        ?.message,
    ).toBe('unknown option')
  })

  it('checks method arguments before any request', async () => {
    const totp = createTotp({ superuser, issuer: 'Acme', key, gateSecret })
    await expect(totp.verify('a"b', '123456')).rejects.toMatchObject({ issues: [{ path: 'recordId' }] })
    await expect(totp.verify('abc', '')).rejects.toMatchObject({ issues: [{ path: 'code' }] })
    expect(() => totp.signIn(user, { identity: 'a', password: 'b', code: 5 } as never)).toThrow(ConfigError)
    expect(() => totp.signIn(user, { mfaId: 'x' } as never)).toThrow(/input.code/)
    expect(() => totp.signIn(user, { identity: 'a', password: 'b', mfaId: 'x', code: '1' } as never)).toThrow(
      /exactly one/,
    )
  })
})

describe('MfaRequiredError with a TOTP second factor', () => {
  it('says so in its message, its field and its JSON', () => {
    const error = new MfaRequiredError('sealed', 'password', 1_800_000_000_000, { secondFactor: 'totp' })
    expect(error.secondFactor).toBe('totp')
    expect(error.message).toContain('TOTP')
    expect(error.toJSON()).toMatchObject({
      code: 'mfa_required',
      firstFactor: 'password',
      secondFactor: 'totp',
    })
    const plain = new MfaRequiredError('id', 'otp', undefined)
    expect(plain.secondFactor).toBeUndefined()
    expect(plain.toJSON()).not.toHaveProperty('secondFactor')
  })
})
