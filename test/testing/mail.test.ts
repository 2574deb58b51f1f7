import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { parseMail } from '../../src/testing/mail.js'
import { extractActionToken, extractOtpCode, type Mail } from '../../src/testing/index.js'

const html = Buffer.from('<p>Grüße, your code is <strong>123456</strong></p>').toString('base64')
const RAW = [
  'From: =?UTF-8?Q?J=C3=BCrgen?= <sender@example.com>',
  'To: Zoë <zoe@example.com>, other@example.com',
  'Subject: =?UTF-8?B?w5xiZXI=?= =?UTF-8?Q?_Code_123456?=',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=UTF-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Gr=C3=BC=C3=9Fe, open http://x/_/#/auth/confirm-password-reset/aa.bb-=',
  'c.dd_e',
  '--inner',
  'Content-Type: text/html; charset="utf-8"',
  'Content-Transfer-Encoding: base64',
  '',
  html,
  '--inner--',
  '--outer--',
  '',
].join('\r\n')

function mail(fields: Partial<Mail>): Mail {
  return { from: '', to: ['a@example.com'], subject: '', text: '', html: '', raw: '', ...fields }
}

describe('parseMail (mailparser)', () => {
  it('decodes encoded-word headers, nested multipart, quoted-printable and base64 in UTF-8', async () => {
    const parsed = await parseMail(Buffer.from(RAW, 'utf8'))
    expect(parsed.subject).toBe('Über Code 123456')
    expect(parsed.from).toBe('sender@example.com')
    expect(parsed.to).toEqual(['zoe@example.com', 'other@example.com'])
    expect(parsed.text.trim()).toBe('Grüße, open http://x/_/#/auth/confirm-password-reset/aa.bb-c.dd_e')
    expect(parsed.html).toBe('<p>Grüße, your code is <strong>123456</strong></p>')
    expect(parsed.raw).toBe(RAW)
  })

  it('prefers the SMTP envelope for from and to', async () => {
    const parsed = await parseMail(Buffer.from(RAW, 'utf8'), {
      from: 'bounce@example.com',
      to: ['bcc@example.com'],
    })
    expect(parsed.from).toBe('bounce@example.com')
    expect(parsed.to).toEqual(['bcc@example.com'])
  })

  it('reads a bare text mail: no html, no addresses', async () => {
    const parsed = await parseMail(Buffer.from('Subject: Hi\r\n\r\nHello'))
    expect(parsed).toMatchObject({ subject: 'Hi', text: 'Hello', html: '', from: '', to: [] })
  })
})

describe('extractOtpCode', () => {
  it('reads a `Code 123456` subject first, else PocketBase’s default text or HTML body', () => {
    expect(extractOtpCode(mail({ subject: 'Über Code 123456', text: 'one-time password is: 999999' }))).toBe(
      '123456',
    )
    expect(
      extractOtpCode(mail({ subject: 'OTP for App', text: 'Your one-time password is: 12345678 \n' })),
    ).toBe('12345678')
    expect(extractOtpCode(mail({ html: '<p>Your one-time password is: <strong>4321</strong></p>' }))).toBe(
      '4321',
    )
  })

  it('throws a ConfigError naming the recipients, never the mail content', () => {
    const secretish = mail({ subject: 'Private subject', text: 'code 12' })
    expect(() => extractOtpCode(secretish)).toThrow(ConfigError)
    expect(() => extractOtpCode(secretish)).toThrow(/a@example\.com holds no OTP code/)
    expect(() => extractOtpCode(secretish)).not.toThrow(/Private/)
  })
})

describe('extractActionToken', () => {
  const reset = mail({ text: 'open http://x/_/#/auth/confirm-password-reset/aa.bb-c.dd_e now' })

  it('reads the token of a link of the given kind, or any kind', () => {
    expect(extractActionToken(reset, 'password-reset')).toBe('aa.bb-c.dd_e')
    expect(extractActionToken(reset)).toBe('aa.bb-c.dd_e')
    const inHtml = mail({ html: '<a href="http://x/_/#/auth/confirm-email-change/h.p.s">confirm</a>' })
    expect(extractActionToken(inHtml, 'email-change')).toBe('h.p.s')
  })

  it('throws a ConfigError when the mail has no link of that kind', () => {
    expect(() => extractActionToken(reset, 'verification')).toThrow(ConfigError)
    expect(() => extractActionToken(reset, 'verification')).toThrow(/has no verification link/)
    expect(() => extractActionToken(mail({ text: 'nothing' }))).toThrow(/has no action link/)
  })
})
