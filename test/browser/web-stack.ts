/**
 * What the browser tests run against: a real PocketBase from the testing kit (its SMTP sink catches the codes), the
 * local OpenID provider, a counting proxy in front of PocketBase, and the example web app (examples/web/) in its own
 * Node process, started the way a person starts it, with tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'puppeteer-core'
import {
  configureOidc,
  enableMfa,
  enableOtp,
  setAuthTokenDuration,
  startCountingProxy,
  startOidcProvider,
  type CountingProxy,
  type OidcProvider,
} from '../../dev/index.js'
import { extractOtpCode, startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Users whose email contains this need a second factor (a code from the mail). */
export const MFA_MARK = 'mfa'

export interface WebStack {
  readonly pb: PocketBaseHandle
  readonly oidc: OidcProvider
  /** Counts what the web app asks PocketBase, e.g. `POST /api/collections/users/auth-refresh`. */
  readonly proxy: CountingProxy
  /** The web app's URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** A new verified user with a password. */
  user(options?: { mfa?: boolean }): Promise<{ email: string; password: string }>
  /** The code of the next OTP mail to `email`. */
  code(email: string): Promise<string>
  stop(): Promise<void>
}

export interface WebStackOptions {
  /** Lifetime of `users` tokens in seconds. @default PocketBase's */
  readonly tokenSeconds?: number
  /** The web app's `refreshAfterShare`. @default the SDK's */
  readonly refreshAfterShare?: number
}

export async function startWebStack(options: WebStackOptions = {}): Promise<WebStack> {
  const stops: (() => Promise<void>)[] = []
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined)
  }
  try {
    const [pb, oidc] = await Promise.all([startPocketBase(), startOidcProvider()])
    stops.push(
      () => pb.stop(),
      () => oidc.stop(),
    )
    await enableOtp(pb, 'users')
    await configureOidc(pb, 'users', oidc)
    await enableMfa(pb, 'users', { rule: `email ~ '${MFA_MARK}'` })
    if (options.tokenSeconds !== undefined) await setAuthTokenDuration(pb, 'users', options.tokenSeconds)
    const proxy = await startCountingProxy(pb.url)
    stops.push(() => proxy.stop())
    const app = await startWebApp({
      POCKETBASE_URL: proxy.url,
      POCKETBASE_COOKIE_SECRET: randomBytes(32).toString('base64'),
      ...(options.refreshAfterShare === undefined
        ? {}
        : { WEB_REFRESH_AFTER_SHARE: String(options.refreshAfterShare) }),
    })
    stops.push(app.stop)
    return {
      pb,
      oidc,
      proxy,
      url: app.url,
      async user({ mfa = false } = {}) {
        const email = `${mfa ? MFA_MARK + '-' : ''}${randomBytes(6).toString('hex')}@example.com`
        const password = `pw-${randomBytes(8).toString('hex')}`
        await pb.createUser({ email, password, verified: true })
        return { email, password }
      },
      async code(email) {
        return extractOtpCode(await pb.mail.next(email, { subjectIncludes: 'Code', timeoutMs: 30_000 }))
      },
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** Starts examples/web/main.ts with tsx; resolves once it prints its URL. */
async function startWebApp(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<void> }> {
  const tsx = createRequire(import.meta.url).resolve('tsx/cli')
  const child: ChildProcess = spawn(
    process.execPath,
    [tsx, '--tsconfig', path.join(root, 'examples/tsconfig.json'), path.join(root, 'examples/web/main.ts')],
    {
      cwd: root,
      env: { ...process.env, ...env, PORT: '0', POCKETBASE_TOTP_GATE: '' },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.stdin?.end()
    const forced = setTimeout(() => child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(forced)
  }
  const url = await new Promise<string>((resolve, reject) => {
    let output = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (text: string) => {
      output += text
      const found = /listening on (http:\/\/\S+)/.exec(output)
      if (found?.[1] !== undefined) resolve(found[1])
    })
    child.once('exit', (code) =>
      reject(new Error(`the web app exited (${code}) before listening: ${output}`)),
    )
  }).catch(async (error: unknown) => {
    await stop()
    throw error
  })
  return { url, stop }
}

/** What `#status` says: the signed-in email (`''` when signed out) and the token's expiry. */
export async function statusOf(
  page: Page,
): Promise<{ email: string; expiresAt: number | undefined; text: string }> {
  return page.$eval('#status', (element) => ({
    email: element.getAttribute('data-email') ?? '',
    expiresAt: element.hasAttribute('data-expires')
      ? Number(element.getAttribute('data-expires'))
      : undefined,
    text: element.textContent ?? '',
  }))
}

/** Fills a form's fields and submits it, waiting for the page it leads to. */
export async function submitForm(page: Page, form: string, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) await page.type(`${form} [name="${name}"]`, value)
  await Promise.all([page.waitForNavigation(), page.click(`${form} button[type="submit"]`)])
}

/** Signs in by password from the login page. */
export async function signInWithPassword(
  page: Page,
  url: string,
  user: { email: string; password: string },
): Promise<void> {
  await page.goto(`${url}/login`)
  await submitForm(page, '#password-form', { email: user.email, password: user.password })
}
