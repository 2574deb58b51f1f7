import { Buffer } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { extractActionToken, extractOtpCode, parseMail } from '../../dev/index.js'

describe('parseMail', () => {
  it('decodes encoded-word headers, nested multipart, quoted-printable and base64 in UTF-8', () => {
    const html = Buffer.from('<p>Grüße, your code is <strong>123456</strong></p>').toString('base64')
    const raw = [
      'From: =?UTF-8?Q?J=C3=BCrgen?= <sender@example.com>',
      'To: Zoë <zoe@example.com>',
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
    const mail = parseMail(Buffer.from(raw, 'utf8'))
    expect(mail.subject).toBe('Über Code 123456')
    expect(mail.headers['from']).toBe('Jürgen <sender@example.com>')
    expect(mail.from).toBe('sender@example.com')
    expect(mail.to).toEqual(['zoe@example.com'])
    expect(mail.text).toBe('Grüße, open http://x/_/#/auth/confirm-password-reset/aa.bb-c.dd_e')
    expect(mail.html).toBe('<p>Grüße, your code is <strong>123456</strong></p>')
    expect(extractOtpCode(mail)).toBe('123456')
    expect(extractActionToken(mail, 'password-reset')).toBe('aa.bb-c.dd_e')
    expect(() => extractActionToken(mail, 'verification')).toThrow(/No verification link/)
  })
})
