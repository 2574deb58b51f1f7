/**
 * `npm run pb [-- --keep]`: a development PocketBase with a ready demo setup, until Ctrl-C.
 *
 * Port: 8090, or the port of POCKETBASE_URL (environment, else `.env`). Superuser: POCKETBASE_SUPERUSER_EMAIL /
 * _PASSWORD (environment, else `.env`, else the `.env.example` defaults). The data dir is a temp dir, removed on
 * exit unless `--keep` is given. Mails are printed here; the mailbox endpoint serves them to scripts.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'dotenv'
import { DEFAULT_SUPERUSER, DEMO_ACCOUNTS, DEMO_OIDC_USER, startDevEnvironment } from './dev-environment.js'

const keep = process.argv.includes('--keep')
const unknown = process.argv.slice(2).filter((arg) => arg !== '--keep')
if (unknown.length > 0) {
  console.error(`Unknown argument(s): ${unknown.join(' ')}\nUsage: npm run pb [-- --keep]`)
  process.exit(2)
}

const env = { ...(existsSync('.env') ? parse(readFileSync('.env')) : {}), ...process.env }
const port = portOf(env['POCKETBASE_URL']) ?? 8090
const superuser = {
  email: env['POCKETBASE_SUPERUSER_EMAIL'] || DEFAULT_SUPERUSER.email,
  password: env['POCKETBASE_SUPERUSER_PASSWORD'] || DEFAULT_SUPERUSER.password,
}
const mailboxPort = Number(env['DEV_MAILBOX_PORT'] || port + 1)
const dir = keep ? await mkdtemp(path.join(os.tmpdir(), 'pb-auth-dev-')) : undefined

console.log(`Starting PocketBase on 127.0.0.1:${port}…`)
const dev = await startDevEnvironment({
  port,
  superuser,
  mailboxPort,
  ...(dir === undefined ? {} : { dir }),
  onMail: (mail) => {
    const parts = [`✉  to ${mail.to.join(', ')}: "${mail.subject}"`]
    if (mail.code !== undefined) parts.push(`code ${mail.code}`)
    if (mail.link !== undefined) parts.push(`link ${mail.link}`)
    console.log(parts.join('  '))
  },
}).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error)
  console.error(`Could not start the dev PocketBase: ${message}`)
  if (message.includes('address already in use')) {
    console.error(`Port ${port} is taken: stop the other server or set POCKETBASE_URL to another port.`)
  }
  process.exit(1)
})

let stopping = false
async function shutDown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  console.log(`\n${signal}: stopping PocketBase…`)
  await dev.stop()
  console.log(dir === undefined ? 'Stopped; temp data removed.' : `Stopped; data kept in ${dir}`)
  process.exit(0)
}
process.on('SIGINT', () => void shutDown('SIGINT'))
process.on('SIGTERM', () => void shutDown('SIGTERM'))

const { alice, bob, carol } = DEMO_ACCOUNTS
console.log(`
PocketBase ${dev.pb.url}   (admin UI: ${dev.pb.url}/_/)
  superuser        ${superuser.email} / ${superuser.password === DEFAULT_SUPERUSER.password ? superuser.password : '(from your environment)'}
  users            ${alice.email} / ${alice.password}, ${bob.email} / ${bob.password}   (password, OTP, OAuth2 "oidc")
  staff (MFA)      ${carol.email} / ${carol.password}   (password, then an OTP)
  OpenID provider  ${dev.oidc.issuer} signs in ${DEMO_OIDC_USER.email}
  posts            owned by users (owner = @request.auth.id)
  mails            printed below; scripts read them at ${dev.mailboxUrl ?? '(off)'}/latest?to=EMAIL
  data dir         ${dev.pb.dir}${dir === undefined ? ' (removed on exit; --keep keeps it)' : ' (kept)'}

Try: npm run example -- password   (in another terminal)
Ctrl-C to stop.
`)

function portOf(url: string | undefined): number | undefined {
  if (url === undefined || url === '') return undefined
  try {
    const parsed = new URL(url)
    if (parsed.port !== '') return Number(parsed.port)
    return parsed.protocol === 'https:' ? 443 : 80
  } catch {
    return undefined
  }
}
