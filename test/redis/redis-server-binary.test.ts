/**
 * How the suite obtains redis-server: REDIS_SERVER_BIN, else the Debian package's binary, installed first when
 * missing and running as root (as CI does); otherwise one line saying exactly what to install. Never a skip.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { REDIS_MISSING, redisServerBinary } from '../helpers/redis-server.js'

afterEach(() => {
  vi.unstubAllEnvs()
  vi.restoreAllMocks()
})

describe('redisServerBinary', () => {
  it('installs the Debian package when missing and root, then uses it', () => {
    vi.stubEnv('REDIS_SERVER_BIN', '')
    vi.spyOn(process, 'getuid').mockReturnValue(0)
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-bin-'))
    const binary = path.join(dir, 'redis-server')
    try {
      const install = vi.fn(() => writeFileSync(binary, '')) // the package puts the binary in place
      expect(redisServerBinary(install, [binary])).toBe(binary)
      expect(install).toHaveBeenCalledTimes(1)
      expect(redisServerBinary(install, [binary])).toBe(binary) // present now: no second install
      expect(install).toHaveBeenCalledTimes(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('fails with one line naming the package when missing and not root', () => {
    vi.stubEnv('REDIS_SERVER_BIN', '')
    vi.spyOn(process, 'getuid').mockReturnValue(1000)
    const install = vi.fn()
    let message = ''
    try {
      redisServerBinary(install, ['/nonexistent/redis-server'])
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe(REDIS_MISSING)
    expect(message).toContain('apt-get install -y redis-server')
    expect(message.split('\n')).toHaveLength(1)
    expect(install).not.toHaveBeenCalled()
  })

  it('says so in one line when installing as root fails', () => {
    vi.stubEnv('REDIS_SERVER_BIN', '')
    vi.spyOn(process, 'getuid').mockReturnValue(0)
    expect(() =>
      redisServerBinary(() => {
        throw new Error('E: Unable to locate package redis-server')
      }, ['/nonexistent/redis-server']),
    ).toThrow(`${REDIS_MISSING} (installing it as root failed)`)
  })

  it('uses REDIS_SERVER_BIN, and names the variable when it points nowhere', () => {
    vi.stubEnv('REDIS_SERVER_BIN', process.execPath)
    expect(redisServerBinary(vi.fn(), [])).toBe(process.execPath)
    vi.stubEnv('REDIS_SERVER_BIN', '/nonexistent/redis-server')
    expect(() => redisServerBinary(vi.fn(), [])).toThrow(/^REDIS_SERVER_BIN points at a missing file/)
  })
})
