import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ENV_VARIABLES, LOG_LEVELS, loadEnv } from '../../src/node/index.js'
import { configErrorOf } from '../helpers/config-error.js'

const SECRET = 'Pw-unit-4f9c1e7b2a!'
const URL_VAR = { POCKETBASE_URL: 'http://127.0.0.1:8090' }

describe('loadEnv', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-env-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function dotenv(content: string): Promise<string> {
    const file = path.join(dir, '.env')
    await writeFile(file, content)
    return file
  }

  it('returns defaults when only POCKETBASE_URL is set, dropping trailing slashes', () => {
    expect(loadEnv({ env: { POCKETBASE_URL: 'https://pb.example.com//' } })).toEqual({
      url: 'https://pb.example.com',
      collection: undefined,
      superuser: undefined,
      timeoutMs: undefined,
      refreshSkewSeconds: undefined,
      logLevel: 'silent',
    })
  })

  it('converts every variable to its typed value', () => {
    const env = loadEnv({
      env: {
        ...URL_VAR,
        POCKETBASE_AUTH_COLLECTION: 'members',
        POCKETBASE_SUPERUSER_EMAIL: 'root@example.com',
        POCKETBASE_SUPERUSER_PASSWORD: SECRET,
        POCKETBASE_TIMEOUT_MS: '2500',
        POCKETBASE_REFRESH_SKEW_SECONDS: '0',
        POCKETBASE_LOG_LEVEL: 'debug',
      },
    })
    expect(env).toMatchObject({
      url: 'http://127.0.0.1:8090',
      collection: 'members',
      timeoutMs: 2500,
      refreshSkewSeconds: 0,
      logLevel: 'debug',
    })
    expect(env.superuser?.email).toBe('root@example.com')
    expect(env.superuser?.password).toBe(SECRET)
  })

  it('accepts every log level', () => {
    for (const level of LOG_LEVELS) {
      expect(loadEnv({ env: { ...URL_VAR, POCKETBASE_LOG_LEVEL: level } }).logLevel).toBe(level)
    }
  })

  it('treats blank values as unset', () => {
    const env = loadEnv({
      env: {
        ...URL_VAR,
        POCKETBASE_AUTH_COLLECTION: '  ',
        POCKETBASE_SUPERUSER_EMAIL: '',
        POCKETBASE_SUPERUSER_PASSWORD: ' ',
        POCKETBASE_TIMEOUT_MS: '',
        POCKETBASE_LOG_LEVEL: '',
      },
    })
    expect(env).toMatchObject({ collection: undefined, superuser: undefined, timeoutMs: undefined })
    expect(env.logLevel).toBe('silent')
  })

  it('reads a dotenv file given by path and ignores variables it does not know', async () => {
    const file = await dotenv(
      [
        'POCKETBASE_URL=http://10.0.0.5:8090',
        'POCKETBASE_TIMEOUT_MS=1500',
        '# a comment',
        'POCKETBASE_LOG_LEVEL="warn"',
        'UNRELATED=1',
      ].join('\n'),
    )
    const env = loadEnv({ path: file, env: {} })
    expect(env).toMatchObject({ url: 'http://10.0.0.5:8090', timeoutMs: 1500, logLevel: 'warn' })
    expect(Object.keys(env)).not.toContain('UNRELATED')
  })

  it('lets the environment win over the file, variable by variable', async () => {
    const file = await dotenv('POCKETBASE_URL=http://from-file:8090\nPOCKETBASE_TIMEOUT_MS=1500\n')
    const env = loadEnv({ path: file, env: { POCKETBASE_TIMEOUT_MS: '4000', OTHER: 'x' } })
    expect(env.url).toBe('http://from-file:8090')
    expect(env.timeoutMs).toBe(4000)
  })

  it('throws a ConfigError naming an explicit dotenv path that does not exist', () => {
    const missing = path.join(dir, 'nope.env')
    const error = configErrorOf(() => loadEnv({ path: missing, env: URL_VAR }))
    expect(error.code).toBe('config_invalid')
    expect(error.issues).toEqual([{ path: 'path', message: expect.stringContaining('not found') }])
  })

  it('lists a missing explicit dotenv path together with the bad variables', () => {
    const missing = path.join(dir, 'nope.env')
    const error = configErrorOf(() => loadEnv({ path: missing, env: { POCKETBASE_TIMEOUT_MS: 'abc' } }))
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      ['POCKETBASE_TIMEOUT_MS', 'POCKETBASE_URL', 'path'].sort(),
    )
  })

  it('applies the client rules to the variables, so a bad value is named by its variable', () => {
    const error = configErrorOf(() =>
      loadEnv({
        env: {
          POCKETBASE_URL: 'http://127.0.0.1:8090/?token=abc',
          POCKETBASE_TIMEOUT_MS: String(2 ** 31),
          POCKETBASE_REFRESH_SKEW_SECONDS: '99999999999',
        },
      }),
    )
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(
      ['POCKETBASE_REFRESH_SKEW_SECONDS', 'POCKETBASE_TIMEOUT_MS', 'POCKETBASE_URL'].sort(),
    )
    expect(error.message).not.toContain('token=abc')
  })

  it('requires POCKETBASE_URL', () => {
    const error = configErrorOf(() => loadEnv({ env: {} }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_URL'])
  })

  it('names every bad variable in one ConfigError, file and environment together', async () => {
    const file = await dotenv('POCKETBASE_URL=ftp://files.example.com\nPOCKETBASE_LOG_LEVEL=loud\n')
    const error = configErrorOf(() =>
      loadEnv({
        path: file,
        env: {
          POCKETBASE_TIMEOUT_MS: 'abc',
          POCKETBASE_REFRESH_SKEW_SECONDS: '-5',
          POCKETBASE_SUPERUSER_PASSWORD: SECRET,
        },
      }),
    )
    expect(error.issues.map((issue) => issue.path).sort()).toEqual([
      'POCKETBASE_LOG_LEVEL',
      'POCKETBASE_REFRESH_SKEW_SECONDS',
      'POCKETBASE_SUPERUSER_EMAIL',
      'POCKETBASE_TIMEOUT_MS',
      'POCKETBASE_URL',
    ])
    for (const issue of error.issues) expect(error.message).toContain(issue.path)
  })

  it('reports a half superuser pair on the missing side', () => {
    const onlyEmail = configErrorOf(() =>
      loadEnv({ env: { ...URL_VAR, POCKETBASE_SUPERUSER_EMAIL: 'root@example.com' } }),
    )
    expect(onlyEmail.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_SUPERUSER_PASSWORD'])
    const onlyPassword = configErrorOf(() =>
      loadEnv({ env: { ...URL_VAR, POCKETBASE_SUPERUSER_PASSWORD: SECRET } }),
    )
    expect(onlyPassword.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_SUPERUSER_EMAIL'])
  })

  it('never echoes a value: not the password, not a bad value', () => {
    const badValues = {
      POCKETBASE_URL: 'not-a-url-7c1d',
      POCKETBASE_SUPERUSER_EMAIL: 'no-at-sign-3e8a',
      POCKETBASE_SUPERUSER_PASSWORD: SECRET,
      POCKETBASE_TIMEOUT_MS: 'abc-91f2',
    }
    const error = configErrorOf(() => loadEnv({ env: badValues }))
    expect(error.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['POCKETBASE_URL', 'POCKETBASE_SUPERUSER_EMAIL', 'POCKETBASE_TIMEOUT_MS']),
    )
    const renderings = [
      error.message,
      error.stack ?? '',
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
    ]
    for (const text of renderings) {
      for (const value of Object.values(badValues)) expect(text).not.toContain(value)
    }
  })

  it('reads POCKETBASE_TOTP_GATE as gateSecret, kept out of JSON.stringify and inspect', () => {
    const gate = 'gate-unit-0123456789abcdefghijklmnopqrstu'
    const env = loadEnv({ env: { ...URL_VAR, POCKETBASE_TOTP_GATE: gate } })
    expect(env.gateSecret).toBe(gate)
    expect(JSON.stringify(env)).not.toContain(gate)
    expect(inspect(env)).not.toContain(gate)
    expect(loadEnv({ env: URL_VAR }).gateSecret).toBeUndefined()
  })

  it('names a POCKETBASE_TOTP_GATE that is too short, without echoing it', () => {
    const error = configErrorOf(() => loadEnv({ env: { ...URL_VAR, POCKETBASE_TOTP_GATE: 'short-gate' } }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_TOTP_GATE'])
    expect(JSON.stringify(error)).not.toContain('short-gate')
  })

  it('keeps the superuser password out of JSON.stringify and inspect of the result', () => {
    const env = loadEnv({
      env: {
        ...URL_VAR,
        POCKETBASE_SUPERUSER_EMAIL: 'root@example.com',
        POCKETBASE_SUPERUSER_PASSWORD: SECRET,
      },
    })
    expect(JSON.stringify(env)).not.toContain(SECRET)
    expect(inspect(env, { depth: 10 })).not.toContain(SECRET)
    expect(JSON.stringify(env)).toContain('root@example.com')
    expect(Object.isFrozen(env.superuser)).toBe(true)
    expect(env.superuser?.password).toBe(SECRET)
  })
})

describe('loadEnv sources: process.env, an explicit env map and the dotenv file', () => {
  const FILE_URL = 'http://file-named-host.example:8090'
  let dir: string
  let home: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-env-cwd-'))
    home = process.cwd()
    process.chdir(dir) // the default `.env` is read from the working directory
    for (const name of ENV_VARIABLES) vi.stubEnv(name, undefined)
  })

  afterEach(async () => {
    process.chdir(home)
    vi.unstubAllEnvs()
    await rm(dir, { recursive: true, force: true })
  })

  async function workingDirDotenv(lines: Record<string, string>): Promise<void> {
    const text = Object.entries(lines).map(([name, value]) => `${name}=${value}\n`)
    await writeFile(path.join(dir, '.env'), text.join(''))
  }

  function processEnv(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value)
  }

  const CREDENTIALS = {
    POCKETBASE_SUPERUSER_EMAIL: 'root@example.com',
    POCKETBASE_SUPERUSER_PASSWORD: SECRET,
  }

  it('uses an explicit env map alone: ./.env is not read', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL, POCKETBASE_TIMEOUT_MS: '1500', ...CREDENTIALS })
    const env = loadEnv({ env: URL_VAR })
    expect(env).toMatchObject({ url: URL_VAR.POCKETBASE_URL, timeoutMs: undefined, superuser: undefined })
    expect(configErrorOf(() => loadEnv({ env: {} })).issues.map((issue) => issue.path)).toEqual([
      'POCKETBASE_URL',
    ])
  })

  it('without options, reads process.env and ./.env, the environment winning variable by variable', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL, POCKETBASE_TIMEOUT_MS: '1500', ...CREDENTIALS })
    expect(loadEnv()).toMatchObject({ url: FILE_URL, timeoutMs: 1500 })
    expect(loadEnv().superuser?.password).toBe(SECRET) // file credentials go to the file URL
    processEnv({ POCKETBASE_TIMEOUT_MS: '4000' })
    expect(loadEnv()).toMatchObject({ url: FILE_URL, timeoutMs: 4000 })
  })

  it('refuses superuser credentials from process.env with the URL from ./.env, naming POCKETBASE_URL only', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL })
    processEnv(CREDENTIALS)
    const error = configErrorOf(() => loadEnv())
    expect(error.issues).toEqual([
      { path: 'POCKETBASE_URL', message: expect.stringContaining('environment') as unknown },
    ])
    expect(error.message).toMatch(/dotenv file/)
    for (const text of [
      error.message,
      JSON.stringify(error),
      inspect(error, { depth: 10, showHidden: true }),
    ]) {
      expect(text).not.toContain(SECRET)
      expect(text).not.toContain('file-named-host')
    }
  })

  it.each([
    [
      'only the password',
      { POCKETBASE_SUPERUSER_PASSWORD: SECRET },
      { POCKETBASE_SUPERUSER_EMAIL: 'root@example.com' },
    ],
    [
      'only the email',
      { POCKETBASE_SUPERUSER_EMAIL: 'root@example.com' },
      { POCKETBASE_SUPERUSER_PASSWORD: SECRET },
    ],
  ])(
    'refuses it when %s comes from process.env and the URL from ./.env',
    async (_name, fromEnv, fromFile) => {
      await workingDirDotenv({ POCKETBASE_URL: FILE_URL, ...fromFile })
      processEnv(fromEnv)
      expect(configErrorOf(() => loadEnv()).issues.map((issue) => issue.path)).toEqual(['POCKETBASE_URL'])
    },
  )

  it('sends credentials from process.env to the URL from process.env, whatever ./.env names', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL })
    processEnv({ ...URL_VAR, ...CREDENTIALS })
    const env = loadEnv()
    expect(env.url).toBe(URL_VAR.POCKETBASE_URL)
    expect(env.superuser?.password).toBe(SECRET)
  })

  it('lets credentials from the file go to the URL from the environment', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL, ...CREDENTIALS })
    processEnv(URL_VAR)
    const env = loadEnv()
    expect(env.url).toBe(URL_VAR.POCKETBASE_URL)
    expect(env.superuser?.email).toBe('root@example.com')
  })

  it('treats a blank credential in the environment as unset, so the file URL stays usable', async () => {
    await workingDirDotenv({ POCKETBASE_URL: FILE_URL })
    processEnv({ POCKETBASE_SUPERUSER_EMAIL: '', POCKETBASE_SUPERUSER_PASSWORD: ' ' })
    expect(loadEnv()).toMatchObject({ url: FILE_URL, superuser: undefined })
  })

  it('applies the same rule to an explicit env map combined with an explicit path', async () => {
    const file = path.join(dir, 'other.env')
    await writeFile(file, `POCKETBASE_URL=${FILE_URL}\n`)
    const error = configErrorOf(() => loadEnv({ path: file, env: CREDENTIALS }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_URL'])
    expect(loadEnv({ path: file, env: { ...URL_VAR, ...CREDENTIALS } }).url).toBe(URL_VAR.POCKETBASE_URL)
  })

  it('reads an explicit path together with process.env when no env map is given', async () => {
    const file = path.join(dir, 'other.env')
    await writeFile(file, 'POCKETBASE_TIMEOUT_MS=1500\n')
    processEnv(URL_VAR)
    expect(loadEnv({ path: file })).toMatchObject({ url: URL_VAR.POCKETBASE_URL, timeoutMs: 1500 })
  })
})

describe('.env.example', () => {
  const examplePath = path.resolve(import.meta.dirname, '../../.env.example')
  const example = readFileSync(examplePath, 'utf8')

  it('lists every variable loadEnv reads, each with a comment above it', () => {
    const lines = example.split('\n')
    for (const name of ENV_VARIABLES) {
      const index = lines.findIndex((line) => line.startsWith(`${name}=`))
      expect(index, name).toBeGreaterThan(0)
      expect(lines[index - 1], name).toMatch(/^#/)
    }
  })

  it('holds no variable loadEnv does not read', () => {
    const assigned = example
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.slice(0, line.indexOf('=')))
    expect(assigned.sort()).toEqual([...ENV_VARIABLES].sort())
  })

  it('loads as a valid local configuration', () => {
    const env = loadEnv({ path: examplePath, env: {} })
    expect(env).toMatchObject({
      url: 'http://127.0.0.1:8090',
      collection: undefined,
      timeoutMs: 30000,
      refreshSkewSeconds: 300,
      logLevel: 'silent',
    })
    expect(env.superuser?.email).toBe('admin@example.com')
  })
})
