/**
 * A real SMTP server on 127.0.0.1 (`smtp-server`) that keeps every mail it receives, parsed with `mailparser`.
 * @module
 */
import { Buffer } from 'node:buffer'
import type * as MailParserModule from 'mailparser'
import type * as SmtpServerModule from 'smtp-server'
import type { SMTPServer as SMTPServerType } from 'smtp-server'
import { AbortedError, TimeoutError } from '../index.js'
import { parseMail, type Mail } from './mail.js'
import { importPeer } from './optional-peer.js'

/** What {@link SmtpSink.waitForMail} looks for: a predicate, or fields that must all match. */
export type MailMatcher =
  | ((mail: Mail) => boolean)
  | {
      /** A recipient, compared exactly (PocketBase's email identity is case-sensitive). */
      readonly to?: string
      /** A substring of the decoded subject. */
      readonly subjectIncludes?: string
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
   * @throws {TimeoutError} `timeout` after `timeoutMs` (naming the recipients of the mails that did arrive).
   * @throws {AbortedError} `aborted` when the sink is stopped meanwhile.
   */
  waitForMail(matcher: MailMatcher, timeoutMs?: number): Promise<Mail>
  /** Forget every received mail. */
  clear(): void
  /** Close the server; pending `waitForMail` calls reject. Idempotent. */
  stop(): Promise<void>
}

interface Waiter {
  readonly matches: (mail: Mail) => boolean
  readonly resolve: (mail: Mail) => void
  readonly reject: (error: Error) => void
  readonly timer: ReturnType<typeof setTimeout>
}

/** Default of `timeoutMs` in {@link SmtpSink.waitForMail}. */
export const MAIL_TIMEOUT_MS = 5000

/**
 * Starts an SMTP sink on 127.0.0.1 (a free port, no AUTH, no STARTTLS). `startPocketBase()` starts one and
 * points PocketBase at it; this is for a sink of your own.
 *
 * @returns the running sink
 * @throws {ConfigError} `config_invalid` when `smtp-server` or `mailparser` is not installed.
 * @example
 * ```ts
 * const sink = await startSmtpSink()
 * const mail = await sink.waitForMail({ to: 'alice@example.com', subjectIncludes: 'Code' })
 * await sink.stop()
 * ```
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const [{ SMTPServer }] = await Promise.all([
    importPeer<typeof SmtpServerModule>('smtp-server'),
    // Load the parser now, so a missing one fails the start, not the first mail.
    importPeer<typeof MailParserModule>('mailparser'),
  ])
  const mails: Mail[] = []
  const claimed = new WeakSet<Mail>()
  const waiters = new Set<Waiter>()
  // Mails are parsed one after another, so they are kept in the order their data arrived.
  let delivered: Promise<void> = Promise.resolve()

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

  const server: SMTPServerType = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', (error: Error) => callback(error))
      stream.on('end', () => {
        const { mailFrom, rcptTo } = session.envelope
        const envelope = {
          to: rcptTo.map((rcpt) => rcpt.address),
          ...(mailFrom ? { from: mailFrom.address } : {}),
        }
        delivered = delivered.then(async () => {
          try {
            deliver(await parseMail(Buffer.concat(chunks), envelope))
            callback()
          } catch (error) {
            callback(error instanceof Error ? error : new Error('the mail could not be parsed'))
          }
        })
      })
    },
  })
  const host = '127.0.0.1'
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    const listener = server.listen(0, host, () => {
      server.off('error', reject)
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
    waitForMail(matcher, timeoutMs = MAIL_TIMEOUT_MS) {
      if (stopping) return Promise.reject(new AbortedError('waitForMail: the SMTP sink was stopped'))
      const matches = toPredicate(matcher)
      const ready = mails.find((mail) => !claimed.has(mail) && matches(mail))
      if (ready) {
        claimed.add(ready)
        return Promise.resolve(ready)
      }
      return new Promise<Mail>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter)
          reject(new TimeoutError(`waitForMail: no matching mail within ${timeoutMs} ms; ${describe(mails)}`))
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
          waiter.reject(new AbortedError('waitForMail: the SMTP sink was stopped'))
        }
        waiters.clear()
        server.close(() => resolve())
      })
      return stopping
    },
  }
}

/** The recipients of the mails that did arrive; never a subject or body (they carry codes and tokens). */
function describe(mails: readonly Mail[]): string {
  if (mails.length === 0) return 'no mail arrived'
  const recipients = [...new Set(mails.flatMap((mail) => mail.to))]
  return `${mails.length} mail(s) arrived, to: ${recipients.join(', ')}`
}

function toPredicate(matcher: MailMatcher): (mail: Mail) => boolean {
  if (typeof matcher === 'function') return matcher
  const { to, subjectIncludes } = matcher
  return (mail) =>
    (to === undefined || mail.to.includes(to)) &&
    (subjectIncludes === undefined || mail.subject.includes(subjectIncludes))
}
