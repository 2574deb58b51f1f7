import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createUser, startCountingProxy, type CountingProxy } from '../../dev/index.js'
import { startPocketBase, type PocketBaseHandle } from '../../src/testing/index.js'
import { ConfigError, InvalidCredentialsError, NotAuthenticatedError } from '../../src/index.js'
import type { AuthClient } from '../../src/index.js'
import { createAuthClientFromEnv, ENV_VARIABLES, loadEnv } from '../../src/node/index.js'
import { pocketBaseBinaryForTests } from '../helpers/pocketbase-binary.js'

const bin = pocketBaseBinaryForTests('env tests')

const SUPERUSER_SIGN_IN = 'POST /api/collections/_superusers/auth-with-password'

describe.skipIf(bin === undefined)('loadEnv and createAuthClientFromEnv against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  let dir: string
  const clients: AuthClient[] = []

  function fromEnv(...args: Parameters<typeof createAuthClientFromEnv>): AuthClient {
    const auth = createAuthClientFromEnv(...args)
    clients.push(auth)
    return auth
  }

  async function dotenv(lines: Record<string, string>): Promise<string> {
    const file = path.join(dir, `${clients.length}-${Date.now()}.env`)
    await writeFile(
      file,
      Object.entries(lines)
        .map(([name, value]) => `${name}=${value}\n`)
        .join(''),
    )
    return file
  }

  beforeAll(async () => {
    ;[pb, dir] = await Promise.all([
      startPocketBase({ superuserPassword: 'Env-Sup3r-Secret-9d2f' }),
      mkdtemp(path.join(os.tmpdir(), 'pb-auth-env-it-')),
    ])
    proxy = await startCountingProxy(pb.url)
  })

  afterEach(() => {
    for (const auth of clients.splice(0)) auth.dispose()
    proxy.reset()
    vi.restoreAllMocks()
  })

  afterAll(async () => {
    await Promise.all([
      proxy?.stop(),
      pb?.stop(),
      dir ? rm(dir, { recursive: true, force: true }) : undefined,
    ])
  })

  it('builds a _superusers client from a .env file that signs in on the first getToken', async () => {
    const lines: string[] = []
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)))
    const file = await dotenv({
      POCKETBASE_URL: proxy.url,
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password,
      POCKETBASE_LOG_LEVEL: 'debug',
    })
    const admin = fromEnv({ path: file, env: {} })
    expect(admin.collection).toBe('_superusers')
    expect(admin.session).toBeNull()

    const token = await admin.getToken()
    expect(admin.isSuperuser).toBe(true)
    expect(admin.session?.record.email).toBe(pb.superuser.email)
    expect(proxy.count(SUPERUSER_SIGN_IN)).toBe(1)
    await expect(admin.getToken()).resolves.toBe(token)
    expect(proxy.count(SUPERUSER_SIGN_IN)).toBe(1)

    // The token works on a superuser-only endpoint.
    const response = await fetch(`${pb.url}/api/collections/users`, { headers: { Authorization: token } })
    expect(response.status).toBe(200)

    // The debug-level console logger wrote lines, none with a secret.
    expect(lines.some((line) => line.includes('signed in'))).toBe(true)
    for (const line of lines) {
      expect(line).toMatch(/^\[pocketbase-auth\] /)
      expect(line).not.toContain(pb.superuser.password)
      expect(line).not.toContain(token)
    }
    expect(JSON.stringify(admin)).not.toContain(token)
    expect(inspect(admin, { depth: 10 })).not.toContain(pb.superuser.password)
  })

  it('lets the environment win over the file', async () => {
    const file = await dotenv({
      POCKETBASE_URL: 'http://127.0.0.1:9', // nothing listens there
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: 'wrong-from-file',
    })
    const env = { POCKETBASE_URL: proxy.url, POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password }
    expect(loadEnv({ path: file, env }).url).toBe(proxy.url)
    const admin = fromEnv({ path: file, env })
    await admin.getToken()
    expect(admin.isSuperuser).toBe(true)
  })

  it('keeps the password out of JSON.stringify and inspect of the loadEnv result', async () => {
    const file = await dotenv({
      POCKETBASE_URL: pb.url,
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password,
    })
    const env = loadEnv({ path: file, env: {} })
    expect(env.superuser?.password).toBe(pb.superuser.password)
    expect(JSON.stringify(env)).not.toContain(pb.superuser.password)
    expect(inspect(env, { depth: 10, showHidden: false })).not.toContain(pb.superuser.password)
    expect(JSON.stringify(env)).toContain(pb.superuser.email)
  })

  it('reports a wrong superuser password from the environment without echoing it', async () => {
    const wrong = 'Wrong-Env-Password-51c0'
    const admin = fromEnv({
      env: {
        POCKETBASE_URL: pb.url,
        POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
        POCKETBASE_SUPERUSER_PASSWORD: wrong,
      },
      path: await dotenv({}),
    })
    const error = await admin.getToken().then(
      () => undefined,
      (rejection: unknown) => rejection,
    )
    expect(error).toBeInstanceOf(InvalidCredentialsError)
    const renderings = [
      String(error),
      (error as Error).stack,
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
    ]
    for (const text of renderings) expect(text).not.toContain(wrong)
    expect(admin.session).toBeNull()
  })

  it('throws one ConfigError naming every bad variable, before any request, without the password', async () => {
    const secret = 'Half-Pair-Secret-7aa1'
    const file = await dotenv({ POCKETBASE_URL: 'not a url', POCKETBASE_TIMEOUT_MS: 'abc' })
    let error: unknown
    try {
      fromEnv({
        path: file,
        env: {
          POCKETBASE_REFRESH_SKEW_SECONDS: '-1',
          POCKETBASE_LOG_LEVEL: 'verbose',
          POCKETBASE_SUPERUSER_PASSWORD: secret,
        },
      })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const configError = error as ConfigError
    expect(configError.issues.map((issue) => issue.path).sort()).toEqual([
      'POCKETBASE_LOG_LEVEL',
      'POCKETBASE_REFRESH_SKEW_SECONDS',
      'POCKETBASE_SUPERUSER_EMAIL',
      'POCKETBASE_TIMEOUT_MS',
      'POCKETBASE_URL',
    ])
    for (const text of [
      configError.message,
      configError.stack,
      JSON.stringify(configError),
      inspect(configError),
    ]) {
      expect(text).not.toContain(secret)
    }
    expect(proxy.counts()).toEqual({})
  })

  it('without superuser variables, builds a client for POCKETBASE_AUTH_COLLECTION that needs a sign-in', async () => {
    const user = await createUser(pb, 'users')
    const auth = fromEnv({
      path: await dotenv({
        POCKETBASE_URL: proxy.url,
        POCKETBASE_AUTH_COLLECTION: 'users',
        POCKETBASE_TIMEOUT_MS: '5000',
      }),
      env: {},
    })
    expect(auth.collection).toBe('users')
    await expect(auth.getToken()).rejects.toBeInstanceOf(NotAuthenticatedError)
    const session = await auth.authWithPassword(user.email, user.password)
    await expect(auth.getToken()).resolves.toBe(session.token)
  })
})

describe.skipIf(bin === undefined)('the working directory .env against a real PocketBase', () => {
  let pb: PocketBaseHandle
  let proxy: CountingProxy
  /** The server a checkout's `.env` names: it must never see the superuser from the real environment. */
  let elsewhere: CountingProxy
  let dir: string
  let home: string
  const clients: AuthClient[] = []

  beforeAll(async () => {
    pb = await startPocketBase({ superuserPassword: 'Env-Cwd-Sup3r-Secret-41b7' })
    ;[proxy, elsewhere] = await Promise.all([startCountingProxy(pb.url), startCountingProxy(pb.url)])
  })

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-env-cwd-it-'))
    home = process.cwd()
    process.chdir(dir)
    for (const name of ENV_VARIABLES) vi.stubEnv(name, undefined)
  })

  afterEach(async () => {
    for (const auth of clients.splice(0)) auth.dispose()
    process.chdir(home)
    vi.unstubAllEnvs()
    proxy.reset()
    elsewhere.reset()
    await rm(dir, { recursive: true, force: true })
  })

  afterAll(async () => {
    await Promise.all([proxy?.stop(), elsewhere?.stop(), pb?.stop()])
  })

  async function workingDirDotenv(lines: Record<string, string>): Promise<void> {
    const text = Object.entries(lines).map(([name, value]) => `${name}=${value}\n`)
    await writeFile(path.join(dir, '.env'), text.join(''))
  }

  function superuserInProcessEnv(): void {
    vi.stubEnv('POCKETBASE_SUPERUSER_EMAIL', pb.superuser.email)
    vi.stubEnv('POCKETBASE_SUPERUSER_PASSWORD', pb.superuser.password)
  }

  it('a checkout whose .env sets only POCKETBASE_URL never gets the superuser password from the environment', async () => {
    await workingDirDotenv({ POCKETBASE_URL: elsewhere.url })
    superuserInProcessEnv()
    let error: unknown
    try {
      const admin = createAuthClientFromEnv()
      clients.push(admin)
      await admin.getToken()
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((issue) => issue.path)).toEqual(['POCKETBASE_URL'])
    for (const text of [
      (error as Error).message,
      JSON.stringify(error),
      inspect(error, { showHidden: true }),
    ]) {
      expect(text).not.toContain(pb.superuser.password)
      expect(text).not.toContain(elsewhere.url)
    }
    expect(elsewhere.counts()).toEqual({})
  })

  it('with POCKETBASE_URL in the environment too, the superuser signs in there and the .env URL is unused', async () => {
    await workingDirDotenv({ POCKETBASE_URL: elsewhere.url })
    superuserInProcessEnv()
    vi.stubEnv('POCKETBASE_URL', proxy.url)
    const admin = createAuthClientFromEnv()
    clients.push(admin)
    await admin.getToken()
    expect(admin.isSuperuser).toBe(true)
    expect(proxy.count(SUPERUSER_SIGN_IN)).toBe(1)
    expect(elsewhere.counts()).toEqual({})
  })

  it('an explicit env map is used alone: the superuser of the working directory .env is not merged in', async () => {
    await workingDirDotenv({
      POCKETBASE_URL: elsewhere.url,
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password,
    })
    const auth = createAuthClientFromEnv({ env: { POCKETBASE_URL: proxy.url } })
    clients.push(auth)
    expect(auth.collection).toBe('users')
    await expect(auth.getToken()).rejects.toBeInstanceOf(NotAuthenticatedError)
    expect(proxy.count(SUPERUSER_SIGN_IN)).toBe(0)
    expect(elsewhere.counts()).toEqual({})
  })

  it('a .env holding URL and superuser together still works alone (the usual local setup)', async () => {
    await workingDirDotenv({
      POCKETBASE_URL: proxy.url,
      POCKETBASE_SUPERUSER_EMAIL: pb.superuser.email,
      POCKETBASE_SUPERUSER_PASSWORD: pb.superuser.password,
    })
    const admin = createAuthClientFromEnv()
    clients.push(admin)
    await admin.getToken()
    expect(admin.isSuperuser).toBe(true)
    expect(proxy.count(SUPERUSER_SIGN_IN)).toBe(1)
  })
})
