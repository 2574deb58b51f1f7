/**
 * A ready-to-use development PocketBase for `npm run pb`, `npm run demo` and the examples run in CI: a real
 * PocketBase from the testing kit (the pinned npm binary, with its SMTP sink; each mail is reported), a local
 * OpenID provider, demo users, OTP on `users`, MFA on `staff`, a `posts` collection owned by users, and a tiny
 * "mailbox" HTTP endpoint that hands the latest mail per address to scripts that cannot read the console (the
 * examples in CI).
 * @module
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  configureOidc,
  configureSmtp,
  createAuthCollection,
  createBaseCollection,
  createUser,
  enableMfa,
  enableOtp,
  startOidcProvider,
  type OidcProvider,
} from '../dev/index.js'
import {
  extractOtpCode,
  startPocketBase,
  type Mail,
  type Mailbox,
  type PocketBaseHandle,
} from '../src/testing/index.js'

/** Superuser defaults; they match `.env.example`. */
export const DEFAULT_SUPERUSER = Object.freeze({ email: 'admin@example.com', password: 'Sup3rSecret!pw' })

/** The demo accounts every dev environment has. Development only: these passwords are public. */
export const DEMO_ACCOUNTS = Object.freeze({
  /** `users`: password and OTP sign-in, OAuth2 through `oidc`. */
  alice: { collection: 'users', email: 'alice@example.com', password: 'alice-demo-pass', name: 'Alice' },
  bob: { collection: 'users', email: 'bob@example.com', password: 'bob-demo-pass', name: 'Bob' },
  /** `staff`: MFA on, so a password needs an OTP as the second factor. */
  carol: { collection: 'staff', email: 'carol@example.com', password: 'carol-demo-pass', name: 'Carol' },
})

/** The person the local OpenID provider signs in (a new `users` record on first sign-in). */
export const DEMO_OIDC_USER = Object.freeze({
  sub: 'dev-dana',
  email: 'dana@example.com',
  email_verified: true,
  name: 'Dana (OpenID)',
})

/** One mail as the mailbox endpoint and `onMail` report it. */
export interface MailSummary {
  readonly to: readonly string[]
  readonly subject: string
  /** The OTP code, when the mail is an OTP mail. */
  readonly code: string | undefined
  /** The first action link (verification, password reset, email change), when there is one. */
  readonly link: string | undefined
  /** Epoch ms when the sink saw the mail. */
  readonly receivedAt: number
}

/** Options of `startDevEnvironment`. */
export interface DevEnvironmentOptions {
  superuser?: { email: string; password: string }
  /** PocketBase port on 127.0.0.1. @default a free port */
  port?: number
  /** Keep this data dir (it must be new or empty). @default a temp dir removed on stop */
  dir?: string
  /** Port of the mailbox endpoint; `false` for none. @default a free port */
  mailboxPort?: number | false
  /** Called for every mail the SMTP sink receives. */
  onMail?: (mail: MailSummary) => void
}

/** A running dev environment. */
export interface DevEnvironment {
  readonly pb: PocketBaseHandle
  readonly oidc: OidcProvider
  /** e.g. `http://127.0.0.1:41234`, or `undefined` without a mailbox. */
  readonly mailboxUrl: string | undefined
  /** The OTP code of the next OTP mail to `email` not returned before (waits up to `timeoutMs`). */
  waitForOtpCode(email: string, timeoutMs?: number): Promise<string>
  /** Stops everything it started; idempotent. */
  stop(): Promise<void>
}

/** Starts PocketBase, the SMTP sink, the OpenID provider and the mailbox, and sets up the demo data. */
export async function startDevEnvironment(options: DevEnvironmentOptions = {}): Promise<DevEnvironment> {
  const superuser = options.superuser ?? DEFAULT_SUPERUSER
  const stops: (() => Promise<void>)[] = []
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined)
  }
  try {
    const pb = await startPocketBase({
      superuserEmail: superuser.email,
      superuserPassword: superuser.password,
      ...(options.port === undefined ? {} : { port: options.port }),
      ...(options.dir === undefined ? {} : { dir: options.dir }),
    })
    stops.push(() => pb.stop())
    const oidc = await startOidcProvider()
    stops.push(() => oidc.stop())
    oidc.setUser({ ...DEMO_OIDC_USER })

    const summaries: MailSummary[] = []
    const watcher = watchMails(pb.mail, (summary) => {
      summaries.push(summary)
      options.onMail?.(summary)
    })
    stops.push(async () => clearInterval(watcher))

    let mailboxUrl: string | undefined
    if (options.mailboxPort !== false) {
      const server = await startMailbox(summaries, options.mailboxPort ?? 0)
      stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
      mailboxUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }

    await setUpDemoData(pb, oidc)
    return {
      pb,
      oidc,
      mailboxUrl,
      async waitForOtpCode(email, timeoutMs = 10_000) {
        return extractOtpCode(await pb.mail.next(email, { subjectIncludes: 'Code ', timeoutMs }))
      },
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}

async function setUpDemoData(pb: PocketBaseHandle, oidc: OidcProvider): Promise<void> {
  await configureSmtp(pb, pb.mail.smtp, { appName: 'pocketbase-auth dev' })
  await enableOtp(pb, 'users')
  await configureOidc(pb, 'users', oidc)
  await createAuthCollection(pb, 'staff', { fields: [{ name: 'name', type: 'text', max: 100 }] })
  await enableOtp(pb, 'staff')
  await enableMfa(pb, 'staff')
  for (const account of Object.values(DEMO_ACCOUNTS)) {
    // Verified: an OTP or OAuth2 sign-in of an unverified user would randomise its password.
    await createUser(pb, account.collection, {
      email: account.email,
      password: account.password,
      name: account.name,
      verified: true,
    })
  }
  const owner = 'owner = @request.auth.id'
  await createBaseCollection(pb, 'posts', {
    fields: [
      { name: 'title', type: 'text', required: true, max: 200 },
      { name: 'published', type: 'bool' },
      {
        name: 'owner',
        type: 'relation',
        collectionId: 'users',
        maxSelect: 1,
        required: true,
        cascadeDelete: true,
      },
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
    rules: {
      listRule: owner,
      viewRule: owner,
      createRule: `@request.auth.id != "" && @request.body.owner = @request.auth.id`,
      updateRule: owner,
      deleteRule: owner,
    },
  })
}

/** Polls the mailbox (it has no callback) and reports each new mail once. */
function watchMails(
  mailbox: Mailbox,
  report: (summary: MailSummary) => void,
): ReturnType<typeof setInterval> {
  let seen = 0
  const timer = setInterval(() => {
    const mails = mailbox.all()
    while (seen < mails.length) {
      const mail = mails[seen++]
      if (mail !== undefined) report(summarize(mail))
    }
  }, 25)
  timer.unref()
  return timer
}

function summarize(mail: Mail): MailSummary {
  let code: string | undefined
  try {
    code = extractOtpCode(mail)
  } catch {
    code = undefined
  }
  const link = /https?:\/\/[^\s"<>]+\/_\/#\/auth\/confirm-[^\s"<>]+/.exec(mail.text || mail.html)?.[0]
  return { to: [...mail.to], subject: mail.subject, code, link, receivedAt: Date.now() }
}

/**
 * `GET /latest?to=EMAIL[&since=EPOCH_MS]` answers the newest mail to EMAIL received at or after `since` as JSON,
 * or 404. Loopback only; development only (it hands out OTP codes to whoever asks).
 */
function startMailbox(summaries: readonly MailSummary[], port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const to = url.searchParams.get('to')
    const since = Number(url.searchParams.get('since') ?? '0')
    const found =
      request.method === 'GET' && url.pathname === '/latest' && to !== null
        ? [...summaries].reverse().find((mail) => mail.to.includes(to) && mail.receivedAt >= since)
        : undefined
    response.writeHead(found === undefined ? 404 : 200, { 'Content-Type': 'application/json' })
    response.end(JSON.stringify(found ?? { message: 'no such mail (yet)' }))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
