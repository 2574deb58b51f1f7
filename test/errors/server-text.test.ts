import { describe, expect, it } from 'vitest'
import { requestLabel, urlForMessages } from '../../src/errors/request-label.js'
import {
  cleanServerText,
  MAX_SERVER_TEXT_LENGTH,
  stripControlCharacters,
} from '../../src/errors/server-text.js'
import { NetworkError, OAuth2FailedError } from '../../src/index.js'
import { hasControlCharacters } from '../helpers/control-characters.js'

describe('stripControlCharacters', () => {
  it.each([
    ['CR LF', 'a\r\nb', 'a b'],
    ['a lone LF and a tab', 'a\nb\tc', 'a b c'],
    ['an ANSI colour, removed whole', 'a\u001b[31mred\u001b[0m b', 'ared b'],
    ['NUL, BEL, DEL', 'a\u0000b\u0007c\u007fd', 'abcd'],
    ['C1 controls (NEL, CSI)', 'a\u0085b\u009bc', 'abc'],
    ['Unicode line separators', 'a\u2028b\u2029c', 'a b c'],
    ['bidirectional overrides', 'a\u202eb\u2066c', 'abc'],
  ])('%s', (_label, input, expected) => {
    expect(stripControlCharacters(input)).toBe(expected)
  })

  it('keeps printable text, accents and emoji', () => {
    expect(stripControlCharacters('Ça marche — 👍 "quoted"')).toBe('Ça marche — 👍 "quoted"')
  })
})

describe('cleanServerText', () => {
  it('keeps short text whole', () => {
    expect(cleanServerText('Failed to authenticate.')).toBe('Failed to authenticate.')
  })

  it(`cuts text longer than ${MAX_SERVER_TEXT_LENGTH} characters and marks the cut`, () => {
    const cut = cleanServerText('x'.repeat(5_000_000))
    expect(cut).toBe(`${'x'.repeat(MAX_SERVER_TEXT_LENGTH)}…`)
  })

  it('takes its own bound', () => {
    expect(cleanServerText('abcdef', 3)).toBe('abc…')
  })

  it('never leaves half of a surrogate pair at the cut', () => {
    const cut = cleanServerText(`ab${'👍'.repeat(10)}`, 3)
    expect(cut).toBe('ab…')
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/)
  })

  it('cuts before stripping, so the result is bounded whatever the input', () => {
    const cut = cleanServerText('\u001b[31m'.repeat(1_000_000) + 'end')
    expect(cut.length).toBeLessThanOrEqual(MAX_SERVER_TEXT_LENGTH + 1)
    expect(hasControlCharacters(cut)).toBe(false)
  })
})

describe('every AuthError message', () => {
  it('loses control characters, whoever built it', () => {
    const error = new NetworkError('line\r\nforged: \u001b[2Jcleared')
    expect(error.message).toBe('line forged: cleared')
  })

  it("an OAuth2 provider's error is cut and cleaned in providerError", () => {
    const error = new OAuth2FailedError('refused', `access_denied\r\n${'x'.repeat(1_000)}`)
    expect(error.providerError).toBe(`access_denied ${'x'.repeat(85)}…`)
  })
})

describe('urlForMessages and requestLabel', () => {
  it.each([
    [
      'https://pb.example.com/api/collections/users/records?filter=secret#x',
      'https://pb.example.com/api/collections/users/records',
    ],
    ['https://user:pass@pb.example.com:8443/pb/api/health', 'https://pb.example.com:8443/pb/api/health'],
    ['http://127.0.0.1:8090/', 'http://127.0.0.1:8090/'],
  ])('%s → %s', (url, expected) => {
    expect(urlForMessages(url)).toBe(expected)
  })

  it('gives undefined for something that is not an absolute URL', () => {
    expect(urlForMessages('/api/health')).toBeUndefined()
    expect(urlForMessages('data:text/plain,hi')).toBeUndefined()
  })

  it('labels a request by method and URL, or method and path without a URL', () => {
    expect(
      requestLabel({ method: 'GET', path: '/api/health', url: 'http://127.0.0.1:8090/api/health' }),
    ).toBe('GET http://127.0.0.1:8090/api/health')
    expect(requestLabel({ method: 'GET', path: '/api/health' })).toBe('GET /api/health')
  })

  it('strips a query or credentials even when an exchange carries them', () => {
    expect(
      requestLabel({
        method: 'GET',
        path: '/api/health',
        url: 'https://u:p@pb.example.com/api/health?token=t',
      }),
    ).toBe('GET https://pb.example.com/api/health')
  })
})
