import { describe, expect, it } from 'vitest'
import { readOAuth2Meta, type OAuth2Meta } from '../../src/flows/oauth2-meta.js'

/** Typed as the whole interface, so a field added to `OAuth2Meta` must be added here too. */
const FULL: OAuth2Meta = {
  id: 'provider-user-1',
  name: 'Ada Lovelace',
  username: 'ada',
  email: 'ada@example.com',
  isNew: true,
  avatarURL: 'https://example.com/ada.png',
  accessToken: 'provider-access-token',
  refreshToken: 'provider-refresh-token',
  expiry: '2026-11-22 03:20:24.397Z',
  rawUser: { sub: 'provider-user-1', email_verified: true },
}

const EMPTY: OAuth2Meta = {
  id: '',
  name: '',
  username: '',
  email: '',
  isNew: false,
  avatarURL: '',
  accessToken: '',
  refreshToken: '',
  expiry: '',
  rawUser: {},
}

describe('readOAuth2Meta', () => {
  it('reads every field and drops anything else (e.g. the legacy avatarUrl)', () => {
    expect(readOAuth2Meta({ ...FULL, avatarUrl: 'legacy', extra: 1 })).toEqual(FULL)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an array', [FULL]],
    ['a string', 'meta'],
    ['an empty object', {}],
  ])('gives every default for %s', (_label, meta) => {
    expect(readOAuth2Meta(meta)).toEqual(EMPTY)
  })

  it('turns each mistyped field into its default, keeping the well-typed ones', () => {
    const meta = {
      ...FULL,
      name: 42,
      email: null,
      isNew: 'yes',
      rawUser: ['not', 'an', 'object'],
      expiry: {},
    }
    expect(readOAuth2Meta(meta)).toEqual({
      ...FULL,
      name: '',
      email: '',
      isNew: false,
      rawUser: {},
      expiry: '',
    })
  })
})
