/**
 * The mails the testing kit's SMTP sink receives: parsed with `mailparser`, plus readers for PocketBase's OTP
 * codes and action-link tokens.
 * @module
 */
import { Buffer } from 'node:buffer'
import type * as MailParserModule from 'mailparser'
import type { AddressObject, ParsedMail } from 'mailparser'
import { ConfigError } from '../index.js'
import { importPeer } from './optional-peer.js'

/** A mail PocketBase sent, as the SMTP sink received it. */
export interface Mail {
  /** Envelope sender (`MAIL FROM`), else the address in the `From` header; `''` when neither exists. */
  readonly from: string
  /** Envelope recipients (`RCPT TO`), else the addresses in the `To` header. Compared exactly. */
  readonly to: readonly string[]
  /** The decoded subject. */
  readonly subject: string
  /** The text/plain body (mailparser derives one from the HTML when the mail has none). */
  readonly text: string
  /** The text/html body, `''` when there is none. */
  readonly html: string
  /** The whole message as received, decoded as UTF-8. */
  readonly raw: string
}

/** The SMTP envelope of a received message. */
export interface Envelope {
  readonly from?: string
  readonly to?: readonly string[]
}

/**
 * Parses a raw RFC 5322 message with `mailparser`.
 *
 * @param raw - the message bytes as received
 * @param envelope - the SMTP envelope, preferred over the headers for `from` and `to`
 * @returns the parsed mail
 * @throws {ConfigError} `config_invalid` when `mailparser` is not installed.
 * @example
 * ```ts
 * const mail = await parseMail(Buffer.from('Subject: Hi\r\nTo: a@example.com\r\n\r\nHello'))
 * mail.subject // 'Hi'
 * ```
 */
export async function parseMail(raw: Uint8Array, envelope: Envelope = {}): Promise<Mail> {
  const { simpleParser } = await importPeer<typeof MailParserModule>('mailparser')
  const bytes = Buffer.from(raw)
  const parsed: ParsedMail = await simpleParser(bytes)
  return {
    from: envelope.from ?? addressesOf(parsed.from)[0] ?? '',
    to: envelope.to ?? addressesOf(parsed.to),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    raw: bytes.toString('utf8'),
  }
}

function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header]
  return objects.flatMap((object) => object.value.map((entry) => entry.address ?? '')).filter(Boolean)
}

/**
 * The OTP code in a PocketBase OTP mail: the digits of a `Code 123456` subject, else the digits after
 * "one-time password is:" in the text or HTML body (PocketBase's default template).
 *
 * @param mail - a mail from `pb.mail.next(email)`
 * @returns the code, as the digits PocketBase sent
 * @throws {ConfigError} `config_invalid` when the mail holds no OTP code (the mail's recipients are named, its
 * content is not).
 * @example
 * ```ts
 * const { otpId } = await auth.requestOTP(email)
 * const code = extractOtpCode(await pb.mail.next(email))
 * await auth.authWithOTP(otpId, code)
 * ```
 */
export function extractOtpCode(mail: Mail): string {
  const fromSubject = /\bCode\s+(\d{4,})\b/i.exec(mail.subject)?.[1]
  const pattern = /one-time password is:\s*(?:<[^>]{0,200}>\s*){0,5}(\d{4,})/i
  const code = fromSubject ?? pattern.exec(mail.text)?.[1] ?? pattern.exec(mail.html)?.[1]
  if (code !== undefined) return code
  throw new ConfigError(
    [{ path: 'mail', message: `the mail to ${mail.to.join(', ')} holds no OTP code` }],
    'extractOtpCode',
  )
}

/** The kinds of mailed action links PocketBase sends. */
export type ActionKind = 'verification' | 'password-reset' | 'email-change'

/**
 * The token at the end of a PocketBase action link such as `…/_/#/auth/confirm-verification/<JWT>`.
 *
 * @param mail - a mail from `pb.mail.next(email)`
 * @param kind - only accept a link of this kind. @default any kind
 * @returns the token, ready for `confirmVerification`, `confirmPasswordReset` or `confirmEmailChange`
 * @throws {ConfigError} `config_invalid` when the mail has no such link.
 * @example
 * ```ts
 * await auth.requestVerification(email)
 * await auth.confirmVerification(extractActionToken(await pb.mail.next(email), 'verification'))
 * ```
 */
export function extractActionToken(mail: Mail, kind?: ActionKind): string {
  const kinds = kind ?? 'verification|password-reset|email-change'
  const pattern = new RegExp(`/auth/confirm-(?:${kinds})/([\\w-]+\\.[\\w-]+\\.[\\w-]+)`)
  const token = pattern.exec(mail.text)?.[1] ?? pattern.exec(mail.html)?.[1]
  if (token !== undefined) return token
  throw new ConfigError(
    [{ path: 'mail', message: `the mail to ${mail.to.join(', ')} has no ${kind ?? 'action'} link` }],
    'extractActionToken',
  )
}
