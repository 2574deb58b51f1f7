/**
 * A real SMTP server on 127.0.0.1 that keeps every mail it receives, plus helpers to read PocketBase's OTP
 * codes and action tokens out of them.
 * @module
 */
import { Buffer } from 'node:buffer'
import { SMTPServer } from 'smtp-server'
import { parseMail, type Mail } from './mime.js'

/** What {@link SmtpSink.waitForMail} looks for: a predicate, or fields that must all match. */
export type MailMatcher =
  | ((mail: Mail) => boolean)
  | {
      /** A recipient, compared exactly (PocketBase's email identity is case-sensitive). */
      to?: string
      /** A substring of the decoded subject. */
      subjectIncludes?: string
    }

/** A running SMTP sink. */
export interface SmtpSink {
  readonly host: string
  readonly port: number
  /** Every mail received since the start or the last `clear()`, oldest first. */
  readonly mails: readonly Mail[]
  /**
   * The first matching mail not yet returned by an earlier call, waiting for it to arrive if needed.
   * @param timeoutMs - @default 5000
   * @throws Error after `timeoutMs`, listing the mails that did arrive.
   */
  waitForMail(matcher: MailMatcher, timeoutMs?: number): Promise<Mail>
  /** Forget every received mail. */
  clear(): void
  /** Close the server; pending `waitForMail` calls reject. Idempotent. */
  stop(): Promise<void>
}

interface Waiter {
  matches: (mail: Mail) => boolean
  resolve: (mail: Mail) => void
  reject: (error: Error) => void
  timer: ReturnType<typeof setTimeout>
}

/**
 * Start an SMTP sink on 127.0.0.1 (random port, no AUTH, no STARTTLS).
 * Point PocketBase at it with `configureSmtp(pb, sink)`.
 * @example
 * const sink = await startSmtpSink()
 * const mail = await sink.waitForMail({ to: 'alice@example.com', subjectIncludes: 'Code' })
 * const code = extractOtpCode(mail)
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: Mail[] = []
  const claimed = new WeakSet<Mail>()
  const waiters = new Set<Waiter>()

  const deliver = (mail: Mail): void => {
    mails.push(mail)
    for (const waiter of waiters) {
      if (!waiter.matches(mail)) continue
      claimed.add(mail)
      waiters.delete(waiter)
      clearTimeout(waiter.timer)
      waiter.resolve(mail)
      return
    }
  }

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', (error: Error) => callback(error))
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope
        const envelope = { to: rcptTo.map((rcpt) => rcpt.address) }
        deliver(
          parseMail(Buffer.concat(chunks), mailFrom ? { ...envelope, from: mailFrom.address } : envelope),
        )
        callback()
      })
    },
  })
  const host = '127.0.0.1'
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    const listener = server.listen(0, host, () => {
      const address = listener.address()
      resolve(typeof address === 'object' && address !== null ? address.port : 0)
    })
  })
  server.on('error', () => {
    // Connection-level errors (a client dropping mid-session) must not crash the test process.
  })

  let stopping: Promise<void> | undefined
  return {
    host,
    port,
    mails,
    waitForMail(matcher, timeoutMs = 5000) {
      const matches = toPredicate(matcher)
      const ready = mails.find((mail) => !claimed.has(mail) && matches(mail))
      if (ready) {
        claimed.add(ready)
        return Promise.resolve(ready)
      }
      return new Promise<Mail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          const seen = mails.map((m) => `  to=${m.to.join(',')} subject=${JSON.stringify(m.subject)}`)
          reject(
            new Error(`No matching mail within ${timeoutMs} ms; received:\n${seen.join('\n') || '  none'}`),
          )
        }, timeoutMs)
        const waiter: Waiter = { matches, resolve, reject, timer }
        waiters.add(waiter)
      })
    },
    clear() {
      mails.length = 0
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        for (const waiter of waiters) {
          clearTimeout(waiter.timer)
          waiter.reject(new Error('The SMTP sink was stopped'))
        }
        waiters.clear()
        server.close(() => resolve())
      })
      return stopping
    },
  }
}

function toPredicate(matcher: MailMatcher): (mail: Mail) => boolean {
  if (typeof matcher === 'function') return matcher
  const { to, subjectIncludes } = matcher
  return (mail) =>
    (to === undefined || mail.to.includes(to)) &&
    (subjectIncludes === undefined || mail.subject.includes(subjectIncludes))
}

/**
 * The OTP code in a PocketBase OTP mail: the digits of a `Code 123456` subject, else the digits after
 * "one-time password is:" in the text or HTML body.
 * @throws Error when the mail has no code.
 */
export function extractOtpCode(mail: Mail): string {
  const fromSubject = /\bCode\s+(\d{4,})\b/i.exec(mail.subject)?.[1]
  const pattern = /one-time password is:\s*(?:<[^>]*>\s*)*(\d+)/i
  const code = fromSubject ?? pattern.exec(mail.text)?.[1] ?? pattern.exec(mail.html)?.[1]
  if (code === undefined) throw new Error(`No OTP code in the mail ${JSON.stringify(mail.subject)}`)
  return code
}

/** The kinds of mailed action links PocketBase sends. */
export type ActionKind = 'verification' | 'password-reset' | 'email-change'

/**
 * The JWT at the end of a PocketBase action link such as `…/_/#/auth/confirm-verification/<JWT>`.
 * @param kind - only accept a link of this kind. @default any kind
 * @throws Error when the mail has no such link.
 */
export function extractActionToken(mail: Mail, kind?: ActionKind): string {
  const kinds = kind ?? 'verification|password-reset|email-change'
  const pattern = new RegExp(`/auth/confirm-(?:${kinds})/([\\w-]+\\.[\\w-]+\\.[\\w-]+)`)
  const token = pattern.exec(mail.text)?.[1] ?? pattern.exec(mail.html)?.[1]
  if (token === undefined) {
    throw new Error(`No ${kind ?? 'action'} link in the mail ${JSON.stringify(mail.subject)}`)
  }
  return token
}
