/**
 * Small helpers the examples share. Nothing here is part of pocketbase-auth: in your app, the user types the
 * code from their mail and you show your own output.
 */
import { createInterface } from 'node:readline/promises'
import { loadEnv } from 'pocketbase-auth/node'

/** The PocketBase URL from POCKETBASE_URL (environment or `.env`); `npm run pb` listens on :8090. */
export function pocketBaseUrl(): string {
  return loadEnv().url
}

/**
 * A demo account from the environment, else the one `npm run pb` creates.
 * @param fallback - which demo account to use when EXAMPLE_EMAIL / EXAMPLE_PASSWORD are not set.
 */
export function demoAccount(fallback: 'alice' | 'carol' = 'alice'): { email: string; password: string } {
  const defaults = {
    alice: { email: 'alice@example.com', password: 'alice-demo-pass' },
    carol: { email: 'carol@example.com', password: 'carol-demo-pass' },
  }[fallback]
  return {
    email: process.env['EXAMPLE_EMAIL'] ?? defaults.email,
    password: process.env['EXAMPLE_PASSWORD'] ?? defaults.password,
  }
}

/**
 * The OTP code mailed to `email` after `since` (epoch ms). With DEV_MAILBOX_URL set (the mailbox of
 * `npm run pb`, or of `scripts/ci-examples.ts`), it is read from there; otherwise you type it in: the
 * `npm run pb` terminal prints every mail with its code.
 */
export async function readOtpCode(email: string, since: number): Promise<string> {
  const mailbox = process.env['DEV_MAILBOX_URL']
  if (mailbox === undefined || mailbox === '') {
    const prompt = createInterface({ input: process.stdin, output: process.stdout })
    try {
      return (await prompt.question(`Code mailed to ${email} (see the "npm run pb" terminal): `)).trim()
    } finally {
      prompt.close()
    }
  }
  const url = `${mailbox}/latest?to=${encodeURIComponent(email)}&since=${since}`
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const response = await fetch(url)
    const mail = (await response.json()) as { code?: string }
    if (response.ok && typeof mail.code === 'string') return mail.code
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`No OTP mail to ${email} arrived at ${mailbox} within 10 s`)
}

/** A token shortened for display: enough to tell two apart, useless as a credential. Never print a whole one. */
export function redact(token: string): string {
  return `${token.slice(0, 6)}…(${token.length} chars)`
}
