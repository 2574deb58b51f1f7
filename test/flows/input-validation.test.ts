import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ConfigError,
  createAuthClient,
  OAuth2StateInvalidError,
  type AuthClient,
  type ImpersonateOptions,
} from '../../src/index.js'
import { PB_URL, useMswServer } from '../helpers/msw.js'

// No handlers at all: any request that escapes validation fails the call with a network error, and is counted.
const { requests } = useMswServer()

const PASSWORD = 'Pa55-never-echo!'
let auth: AuthClient
afterEach(() => {
  auth.dispose()
})

function freshClient(): AuthClient {
  auth = createAuthClient({ url: PB_URL, autoRefresh: false })
  return auth
}

interface Case {
  readonly name: string
  readonly call: (client: AuthClient) => Promise<unknown>
  /** Issue paths the ConfigError must name, in order. */
  readonly fields: readonly string[]
  /** Values that must never show up in the error. */
  readonly secrets?: readonly string[]
}

const notAString = 12345678 as unknown as string
const redirectUrl = 'http://127.0.0.1:3000/callback'

const CASES: readonly Case[] = [
  {
    name: 'authWithPassword: empty identity',
    call: (c) => c.authWithPassword('', PASSWORD),
    fields: ['identity'],
    secrets: [PASSWORD],
  },
  {
    name: 'authWithPassword: blank identity',
    call: (c) => c.authWithPassword('   ', PASSWORD),
    fields: ['identity'],
    secrets: [PASSWORD],
  },
  {
    name: 'authWithPassword: non-string password',
    call: (c) => c.authWithPassword('alice@example.com', notAString),
    fields: ['password'],
    secrets: ['12345678'],
  },
  {
    name: 'authWithPassword: empty password',
    call: (c) => c.authWithPassword('alice@example.com', ''),
    fields: ['password'],
  },
  {
    name: 'authWithPassword: both bad',
    call: (c) => c.authWithPassword('', ''),
    fields: ['identity', 'password'],
  },
  {
    name: 'authWithPassword: empty mfaId',
    call: (c) => c.authWithPassword('alice@example.com', PASSWORD, { mfaId: '' }),
    fields: ['options.mfaId'],
    secrets: [PASSWORD],
  },
  {
    name: 'authWithPassword: empty fields',
    call: (c) => c.authWithPassword('alice@example.com', PASSWORD, { fields: '' }),
    fields: ['options.fields'],
    secrets: [PASSWORD],
  },
  { name: 'requestOTP: empty email', call: (c) => c.requestOTP(''), fields: ['email'] },
  { name: 'requestOTP: not an email', call: (c) => c.requestOTP('alice.example.com'), fields: ['email'] },
  {
    name: 'requestOTP: email with spaces',
    call: (c) => c.requestOTP('alice @example.com'),
    fields: ['email'],
  },
  { name: 'requestOTP: not a string', call: (c) => c.requestOTP(notAString), fields: ['email'] },
  {
    name: 'authWithOTP: empty otpId',
    call: (c) => c.authWithOTP('', '626161'),
    fields: ['otpId'],
    secrets: ['626161'],
  },
  { name: 'authWithOTP: empty code', call: (c) => c.authWithOTP('6qivgxqki39ylfm', ''), fields: ['code'] },
  {
    name: 'authWithOTP: non-string code',
    call: (c) => c.authWithOTP('6qivgxqki39ylfm', notAString),
    fields: ['code'],
    secrets: ['12345678'],
  },
  { name: 'requestVerification: bad email', call: (c) => c.requestVerification('nope'), fields: ['email'] },
  { name: 'confirmVerification: empty token', call: (c) => c.confirmVerification(''), fields: ['token'] },
  {
    name: 'requestPasswordReset: bad email',
    call: (c) => c.requestPasswordReset('@example.com'),
    fields: ['email'],
  },
  { name: 'requestPasswordReset: empty email', call: (c) => c.requestPasswordReset(''), fields: ['email'] },
  {
    name: 'confirmPasswordReset: empty token',
    call: (c) => c.confirmPasswordReset('', PASSWORD, PASSWORD),
    fields: ['token'],
    secrets: [PASSWORD],
  },
  {
    name: 'confirmPasswordReset: empty passwords',
    call: (c) => c.confirmPasswordReset('reset-token', '', ''),
    fields: ['password', 'passwordConfirm'],
  },
  {
    name: 'confirmPasswordReset: non-string confirm',
    call: (c) => c.confirmPasswordReset('reset-token', PASSWORD, notAString),
    fields: ['passwordConfirm'],
    secrets: [PASSWORD, '12345678'],
  },
  {
    name: 'requestEmailChange: bad email (checked before looking for a session)',
    call: (c) => c.requestEmailChange('new-at-example.com'),
    fields: ['newEmail'],
  },
  {
    name: 'confirmEmailChange: empty token',
    call: (c) => c.confirmEmailChange('', PASSWORD),
    fields: ['token'],
    secrets: [PASSWORD],
  },
  {
    name: 'confirmEmailChange: empty password',
    call: (c) => c.confirmEmailChange('change-token', ''),
    fields: ['password'],
  },
  { name: 'impersonate: empty recordId', call: (c) => c.impersonate(''), fields: ['recordId'] },
  {
    name: 'impersonate: negative durationSeconds',
    call: (c) => c.impersonate('record1234567ab', { durationSeconds: -1 }),
    fields: ['options.durationSeconds'],
  },
  {
    name: 'impersonate: fractional durationSeconds',
    call: (c) => c.impersonate('record1234567ab', { durationSeconds: 1.5 }),
    fields: ['options.durationSeconds'],
  },
  {
    name: 'impersonate: NaN durationSeconds',
    call: (c) => c.impersonate('record1234567ab', { durationSeconds: Number.NaN }),
    fields: ['options.durationSeconds'],
  },
  {
    name: 'impersonate: empty collection',
    call: (c) => c.impersonate('record1234567ab', { collection: '' }),
    fields: ['options.collection'],
  },
  {
    name: 'impersonate: renew not a boolean',
    call: (c) => c.impersonate('record1234567ab', { renew: 'yes' } as unknown as ImpersonateOptions),
    fields: ['options.renew'],
  },
  {
    name: 'startOAuth2: relative redirectUrl',
    call: (c) => c.startOAuth2('oidc', { redirectUrl: '/callback' }),
    fields: ['options.redirectUrl'],
  },
  {
    name: 'startOAuth2: missing redirectUrl',
    call: (c) => c.startOAuth2('oidc', {} as { redirectUrl: string }),
    fields: ['options.redirectUrl'],
  },
  {
    name: 'startOAuth2: empty provider',
    call: (c) => c.startOAuth2('', { redirectUrl }),
    fields: ['provider'],
  },
  {
    name: 'authWithOAuth2Code: empty code and verifier',
    call: (c) => c.authWithOAuth2Code('oidc', '', '', redirectUrl),
    fields: ['code', 'codeVerifier'],
  },
  {
    name: 'authWithOAuth2Code: bad redirectUrl',
    call: (c) => c.authWithOAuth2Code('oidc', 'Q6tmj4XbDI1Jb2vL1yPhR8Iy', 'GJgWxW6oKcWq', 'not a url'),
    fields: ['redirectUrl'],
    secrets: ['Q6tmj4XbDI1Jb2vL1yPhR8Iy', 'GJgWxW6oKcWq'],
  },
  {
    name: 'authWithOAuth2Code: createData not an object',
    call: (c) =>
      c.authWithOAuth2Code(
        'oidc',
        'code',
        'verifier',
        redirectUrl,
        'x' as unknown as Record<string, unknown>,
      ),
    fields: ['createData'],
  },
]

describe('flow input validation: a ConfigError naming the field, and no request', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const client = freshClient()
    const result = testCase.call(client)
    // Rejects (never throws synchronously), so `.catch()` and `await` both see it.
    expect(result).toBeInstanceOf(Promise)
    const error = await result.then(
      () => {
        throw new Error('expected a rejection')
      },
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(ConfigError)
    const configError = error as ConfigError
    expect(configError.issues.map((issue) => issue.path)).toEqual(testCase.fields)
    for (const field of testCase.fields) expect(configError.message).toContain(field)
    const printable = `${configError.message}\n${configError.stack}\n${JSON.stringify(configError)}\n${inspect(configError)}`
    for (const secret of testCase.secrets ?? []) expect(printable).not.toContain(secret)
    expect(requests).toHaveLength(0)
    expect(client.session).toBeNull()
  })

  it('completeOAuth2 with a state this client never issued fails without a request', async () => {
    const client = freshClient()
    await expect(client.completeOAuth2({ state: 'forged', code: 'abc' })).rejects.toBeInstanceOf(
      OAuth2StateInvalidError,
    )
    await expect(client.completeOAuth2(`${redirectUrl}?state=forged&code=abc`)).rejects.toBeInstanceOf(
      OAuth2StateInvalidError,
    )
    await expect(client.completeOAuth2('not a url')).rejects.toBeInstanceOf(OAuth2StateInvalidError)
    expect(requests).toHaveLength(0)
  })
})
