import { describe, expect, it } from 'vitest'
import { parseOAuth2Callback } from '../../src/flows/oauth2.js'
import { OAuth2StateInvalidError } from '../../src/errors/oauth2.js'

describe('parseOAuth2Callback', () => {
  it('reads code and state from the query', () => {
    expect(parseOAuth2Callback('http://127.0.0.1:3000/callback?code=abc123&state=st-1')).toEqual({
      state: 'st-1',
      code: 'abc123',
    })
  })

  it('accepts a URL object', () => {
    const url = new URL('https://app.example.com/auth/callback?state=s&code=c')
    expect(parseOAuth2Callback(url)).toEqual({ state: 's', code: 'c' })
  })

  it('decodes percent-encoded values', () => {
    const parsed = parseOAuth2Callback('http://localhost/cb?code=a%2Fb%3D%3D&state=x%20y')
    expect(parsed).toEqual({ state: 'x y', code: 'a/b==' })
  })

  it('reads code and state from the fragment (response_mode=fragment)', () => {
    expect(parseOAuth2Callback('http://localhost/cb#code=frag-code&state=frag-state')).toEqual({
      state: 'frag-state',
      code: 'frag-code',
    })
  })

  it('prefers the query when both carry a state', () => {
    const parsed = parseOAuth2Callback('http://localhost/cb?state=q&code=qc#state=f&code=fc')
    expect(parsed).toEqual({ state: 'q', code: 'qc' })
  })

  it('falls back to the fragment when the query has no state', () => {
    const parsed = parseOAuth2Callback('http://localhost/cb?utm_source=mail#state=f&code=fc')
    expect(parsed).toEqual({ state: 'f', code: 'fc' })
  })

  it('reads a provider error with its state and no code', () => {
    const parsed = parseOAuth2Callback(
      'http://localhost/cb?error=access_denied&error_description=User+said+no&state=st',
    )
    expect(parsed).toEqual({ state: 'st', error: 'access_denied' })
    expect(parsed).not.toHaveProperty('code')
  })

  it('gives an empty state when the callback has none, so completion rejects it', () => {
    expect(parseOAuth2Callback('http://localhost/cb?code=only-code')).toEqual({
      state: '',
      code: 'only-code',
    })
    expect(parseOAuth2Callback('http://localhost/cb')).toEqual({ state: '' })
  })

  it.each(['not a url', '', '/callback?code=a&state=b', 'http://'])(
    'rejects %j as an invalid callback, without echoing it',
    (garbage) => {
      let thrown: unknown
      try {
        parseOAuth2Callback(garbage)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(OAuth2StateInvalidError)
      expect(thrown).toMatchObject({ code: 'oauth2_state_invalid' })
      if (garbage !== '') expect((thrown as Error).message).not.toContain(garbage)
    },
  )
})
