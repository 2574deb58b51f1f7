import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  AbortedError,
  ConfigError,
  NotFoundError,
  TimeoutError,
  ValidationError,
  createAuthClient,
} from '../../src/index.js'
import {
  extractActionToken,
  extractOtpCode,
  startPocketBase,
  type PocketBaseHandle,
} from '../../src/testing/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'
import { rejectionOf } from '../helpers/rejection.js'

const bin = pocketBaseBinaryForTests('testing kit tests')

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ESRCH') return false
    throw error
  }
}

describe.skipIf(bin === undefined)('pocketbase-auth/testing: startPocketBase against a real binary', () => {
  let pb: PocketBaseHandle
  const extras: PocketBaseHandle[] = []
  const dirs: string[] = []

  beforeAll(async () => {
    pb = await startPocketBase()
  })

  afterEach(async () => {
    await Promise.all(extras.splice(0).map((extra) => extra.stop()))
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  })

  afterAll(async () => {
    await pb?.stop()
  })

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-kit-test-'))
    dirs.push(dir)
    return dir
  }

  it('serves on 127.0.0.1 with a superuser whose random password signs in', async () => {
    expect(pb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(pb.url).toBe(`http://127.0.0.1:${pb.port}`)
    expect((await fetch(`${pb.url}/api/health`)).status).toBe(200)
    expect(pb.superuser.email).toBe('admin@example.com')
    expect(pb.superuser.password.length).toBeGreaterThanOrEqual(20)

    const admin = createAuthClient({ url: pb.url, collection: '_superusers', autoRefresh: false })
    const session = await admin.authWithPassword(pb.superuser.email, pb.superuser.password)
    admin.dispose()
    expect(session.collectionName).toBe('_superusers')
    expect(await pb.superuserToken()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('keeps data, migrations, hooks and public dirs inside its own temp dir', () => {
    const root = path.dirname(pb.dir)
    expect(path.dirname(root)).toBe(os.tmpdir())
    expect(path.basename(root)).toMatch(/^pb-auth-/)
    expect(readdirSync(root).sort()).toEqual(['pb_data', 'pb_hooks', 'pb_migrations', 'pb_public'])
    expect(pb.dir).toBe(path.join(root, 'pb_data'))
  })

  it('createUser: a unique unverified user by default; given fields and another collection on request', async () => {
    const first = await pb.createUser()
    const second = await pb.createUser()
    expect(first.email).toMatch(/^user-[0-9a-f]{12}@example\.com$/)
    expect(second.email).not.toBe(first.email)
    expect(first).toMatchObject({ collectionName: 'users', verified: false })

    const chosen = await pb.createUser({ email: 'chosen@example.com', password: 'Chosen-pw-123', name: 'C' })
    expect(chosen).toMatchObject({ email: 'chosen@example.com', password: 'Chosen-pw-123', name: 'C' })
    const auth = createAuthClient({ url: pb.url, autoRefresh: false })
    await expect(auth.authWithPassword('chosen@example.com', 'Chosen-pw-123')).resolves.toMatchObject({
      recordId: chosen.id,
    })
    auth.dispose()

    const superuser = await pb.createUser({ verified: true }, { collection: '_superusers' })
    expect(superuser.collectionName).toBe('_superusers')
  })

  it('createUser and updateCollection reject with the SDK error types', async () => {
    const duplicate = await rejectionOf(
      pb
        .createUser({ email: 'chosen-dup@example.com' })
        .then(() => pb.createUser({ email: 'chosen-dup@example.com' })),
    )
    expect(duplicate).toBeInstanceOf(ValidationError)
    expect((duplicate as ValidationError).fieldErrors['email']).toBeDefined()

    const missing = await rejectionOf(pb.createUser({}, { collection: 'nope' }))
    expect(missing).toBeInstanceOf(NotFoundError)
    await expect(pb.updateCollection('nope', { listRule: '' })).rejects.toBeInstanceOf(NotFoundError)
    const invalid = await rejectionOf(pb.updateCollection('users', { otp: { enabled: true, length: 1 } }))
    expect(invalid).toBeInstanceOf(ValidationError)
    await expect(pb.api('GET', '/api/collections/nope')).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
    })
  })

  it('updateCollection merges a patch into the current settings', async () => {
    const before = await pb.api<{ otp: { length: number; duration: number } }>(
      'GET',
      '/api/collections/users',
    )
    const updated = await pb.updateCollection('users', { otp: { enabled: true } })
    expect(updated['otp']).toMatchObject({
      enabled: true,
      length: before.otp.length,
      duration: before.otp.duration,
    })
    expect(updated.name).toBe('users')
  })

  it('api() sends a query string and answers the parsed body', async () => {
    const user = await pb.createUser({ name: 'Queried' })
    const filter = encodeURIComponent(`id = '${user.id}'`)
    const page = await pb.api<{ totalItems: number; items: { name: string }[] }>(
      'GET',
      `/api/collections/users/records?filter=${filter}&fields=name`,
    )
    expect(page.totalItems).toBe(1)
    expect(page.items).toEqual([{ name: 'Queried' }])
  })

  it('mail.next(to) resolves the OTP mail PocketBase sent, whose code signs in', async () => {
    await pb.updateCollection('users', { otp: { enabled: true } })
    const user = await pb.createUser({ verified: true })
    const auth = createAuthClient({ url: pb.url, autoRefresh: false })

    const { otpId } = await auth.requestOTP(user.email)
    const mail = await pb.mail.next(user.email)
    const code = extractOtpCode(mail)

    expect(mail.to).toEqual([user.email])
    expect(mail.from).toBe('noreply@example.com')
    expect(mail.subject).toContain('OTP')
    expect(mail.text).toContain(code)
    expect(mail.html).toContain(`<strong>${code}</strong>`)
    await expect(auth.authWithOTP(otpId, code)).resolves.toMatchObject({ recordId: user.id })
    auth.dispose()
    expect(pb.mail.all()).toContain(mail)
  })

  it('mail.next(to) returns each mail once, in order, and filters by subject', async () => {
    const user = await pb.createUser()
    const auth = createAuthClient({ url: pb.url, autoRefresh: false })
    await auth.requestVerification(user.email)
    await auth.requestPasswordReset(user.email)
    auth.dispose()

    const reset = await pb.mail.next(user.email, { subjectIncludes: 'Reset' })
    const verify = await pb.mail.next(user.email)
    expect(extractActionToken(reset, 'password-reset')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(verify.text).toContain(`${pb.url}/_/#/auth/confirm-verification/${extractActionToken(verify)}`)
    const none = await rejectionOf(pb.mail.next(user.email, { timeoutMs: 50 }))
    expect(none).toBeInstanceOf(TimeoutError)
    // The message names recipients, never a subject or body (they carry codes and links).
    expect((none as Error).message).toContain(user.email)
    expect((none as Error).message).not.toContain('Reset')
  })

  it('mail.clear() forgets the received mails', async () => {
    expect(pb.mail.all().length).toBeGreaterThan(0)
    pb.mail.clear()
    expect(pb.mail.all()).toEqual([])
    expect(pb.mail.smtp.host).toBe('127.0.0.1')
  })

  it('applies the migrations of migrationsDir without writing into that dir', async () => {
    const source = await tempDir()
    const migration = `migrate((app) => {
  const collection = new Collection({ type: 'base', name: 'from_migration', fields: [{ name: 'title', type: 'text' }] })
  app.save(collection)
}, (app) => {
  app.delete(app.findCollectionByNameOrId('from_migration'))
})
`
    await writeFile(path.join(source, '1700000000_from_migration.js'), migration)
    const other = await startPocketBase({ migrationsDir: source, mail: false })
    extras.push(other)

    const collection = await other.api<{ name: string }>('GET', '/api/collections/from_migration')
    expect(collection.name).toBe('from_migration')
    expect(readdirSync(source)).toEqual(['1700000000_from_migration.js'])
  })

  it('with { mail: false } sends no mail and pb.mail says why', async () => {
    const other = await startPocketBase({ mail: false })
    extras.push(other)
    const settings = await other.api<{ smtp: { enabled: boolean } }>('GET', '/api/settings')

    expect(settings.smtp.enabled).toBe(false)
    const error = await rejectionOf(other.mail.next('anyone@example.com'))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues[0]?.path).toBe('mail')
    expect(() => other.mail.all()).toThrow(ConfigError)
  })

  it('kill() then restart() comes back on the same port with the data intact', async () => {
    const other = await startPocketBase({ mail: false })
    extras.push(other)
    const user = await other.createUser()
    const { port, url } = other
    const firstPid = other.pid

    await other.kill()
    await expect(fetch(`${url}/api/health`)).rejects.toThrow()
    await other.restart()

    expect(other.port).toBe(port)
    expect(other.pid).not.toBe(firstPid)
    expect((await fetch(`${url}/api/health`)).status).toBe(200)
    const record = await other.api<{ email: string }>('GET', `/api/collections/users/records/${user.id}`)
    expect(record.email).toBe(user.email)
  })

  it('stop() ends the process by pid, stops the sink, removes the temp dir; idempotent; then restart() fails', async () => {
    const other = await startPocketBase()
    const pid = other.pid!
    const root = path.dirname(other.dir)
    const waiting = rejectionOf(other.mail.next('nobody@example.com', { timeoutMs: 60_000 }))
    expect(isAlive(pid)).toBe(true)

    await other.stop()

    expect(existsSync(root)).toBe(false)
    expect(isAlive(pid)).toBe(false)
    expect(await waiting).toBeInstanceOf(AbortedError)
    await expect(other.stop()).resolves.toBeUndefined()
    await expect(other.restart()).rejects.toBeInstanceOf(ConfigError)
  })

  it('await using stops the server at the end of the scope', async () => {
    let pid = 0
    let root = ''
    {
      await using scoped = await startPocketBase({ mail: false })
      pid = scoped.pid!
      root = path.dirname(scoped.dir)
      expect(isAlive(pid)).toBe(true)
    }
    expect(isAlive(pid)).toBe(false)
    expect(existsSync(root)).toBe(false)
  })

  it('a caller-owned data dir survives stop() and is used again by the next server', async () => {
    const dataDir = path.join(await tempDir(), 'data')
    const first = await startPocketBase({ dir: dataDir, mail: false })
    extras.push(first)
    const user = await first.createUser()
    await first.stop()
    expect(existsSync(dataDir)).toBe(true)

    const second = await startPocketBase({ dir: dataDir, mail: false })
    extras.push(second)
    const record = await second.api<{ email: string }>('GET', `/api/collections/users/records/${user.id}`)
    expect(record.email).toBe(user.email)
    expect(second.dir).toBe(dataDir)
    // Migrations, hooks and public files still go to the instance's own temp dir, never beside the data dir.
    expect(readdirSync(path.dirname(dataDir))).toEqual(['data'])
  })

  it('never puts the superuser password in an error, also not in inspect()', async () => {
    const password = 'Never-Echo-This-pw-4711'
    const other = await startPocketBase({ superuserPassword: password, mail: false })
    extras.push(other)
    const error = await rejectionOf(other.api('GET', '/api/collections/nope'))
    expect(inspect(error, { showHidden: true, depth: 10 })).not.toContain(password)
    expect(JSON.stringify(error)).not.toContain(password)
    expect(other.logs()).not.toContain(password)
  })
})
