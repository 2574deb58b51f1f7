/**
 * `pb.mail`: the mails a test PocketBase sent, read by recipient.
 * @module
 */
import { ConfigError } from '../index.js'
import type { Mail } from './mail.js'
import { MAIL_TIMEOUT_MS, type SmtpSink } from './smtp-sink.js'

/** Options of {@link Mailbox.next}. */
export interface NextMailOptions {
  /** Only a mail whose subject contains this text. @default any subject */
  subjectIncludes?: string
  /** Time to wait for the mail. @default 5000 */
  timeoutMs?: number
}

/** The mails PocketBase sent through the SMTP sink `startPocketBase()` wired into its settings. */
export interface Mailbox {
  /** The sink's address, as PocketBase's SMTP settings name it. */
  readonly smtp: { readonly host: string; readonly port: number }
  /**
   * The next mail to `to` that no earlier `next()` returned, waiting for it to arrive if needed.
   *
   * @param to - the recipient, compared exactly (PocketBase's email identity is case-sensitive)
   * @param options - see {@link NextMailOptions}
   * @returns the mail: `subject`, `text`, `html`, `from`, `to`, `raw`
   * @throws {TimeoutError} `timeout` when no such mail arrives within `timeoutMs`.
   * @throws {AbortedError} `aborted` when the server is stopped meanwhile.
   */
  next(to: string, options?: NextMailOptions): Promise<Mail>
  /** Every mail received since the start or the last `clear()`, oldest first. */
  all(): readonly Mail[]
  /** Forget every received mail. */
  clear(): void
}

/**
 * The mailbox over a running sink.
 *
 * @param sink - the SMTP sink PocketBase sends to
 * @returns the mailbox
 */
export function createMailbox(sink: SmtpSink): Mailbox {
  return {
    smtp: Object.freeze({ host: sink.host, port: sink.port }),
    next(to, options = {}) {
      const { subjectIncludes, timeoutMs = MAIL_TIMEOUT_MS } = options
      return sink.waitForMail(subjectIncludes === undefined ? { to } : { to, subjectIncludes }, timeoutMs)
    },
    all: () => [...sink.mails],
    clear: () => sink.clear(),
  }
}

/**
 * The mailbox of a server started with `{ mail: false }`: every use is an error saying so.
 *
 * @returns a mailbox whose members throw `ConfigError` (`config_invalid`)
 */
export function disabledMailbox(): Mailbox {
  const disabled = (): ConfigError =>
    new ConfigError(
      [{ path: 'mail', message: 'this PocketBase was started with { mail: false }, so it has no SMTP sink' }],
      'pb.mail',
    )
  const fail = (): never => {
    throw disabled()
  }
  return {
    get smtp() {
      return fail()
    },
    next: () => Promise.reject(disabled()),
    all: fail,
    clear: fail,
  }
}
