/**
 * A base URL with credentials (`https://user:pass@host`) is refused at construction, as `ConfigError` on `url`
 * (or `POCKETBASE_URL`), without echoing it: otherwise the password would appear in every message that names
 * the URL.
 */
import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createAuthClient, type ConfigError } from '../../src/index.js'
import { loadEnv } from '../../src/node/env.js'
import { configErrorOf } from '../helpers/config-error.js'

const PASSWORD = 'pa55-in-the-url-9f2c'
const URLS = [
  `https://admin:${PASSWORD}@pb.example.com`,
  `http://admin:${PASSWORD}@127.0.0.1:8090/`,
  `https://:${PASSWORD}@pb.example.com/pb`,
  `https://${PASSWORD}@pb.example.com`,
]

function expectNoEcho(error: ConfigError): void {
  const printed = `${error.message} ${JSON.stringify(error)} ${inspect(error, { showHidden: true, depth: 10 })}`
  expect(printed).not.toContain(PASSWORD)
  expect(printed).not.toContain('admin')
}

describe('credentials in the base URL', () => {
  it.each(URLS)('createAuthClient refuses %s, naming url and never echoing it', (url) => {
    const error = configErrorOf(() => createAuthClient({ url }))
    expect(error.issues).toEqual([
      {
        path: 'url',
        message: 'must not contain credentials (user:password@); PocketBase takes them through a sign-in',
      },
    ])
    expectNoEcho(error)
  })

  it.each(URLS)('loadEnv refuses POCKETBASE_URL=%s, naming the variable and never echoing it', (url) => {
    const error = configErrorOf(() => loadEnv({ env: { POCKETBASE_URL: url } }))
    expect(error.issues.map((issue) => issue.path)).toEqual(['POCKETBASE_URL'])
    expect(error.issues[0]?.message).toContain('must not contain credentials')
    expectNoEcho(error)
  })

  it('a URL with an @ in its path is no credential and stays accepted', () => {
    const auth = createAuthClient({ url: 'https://pb.example.com/@team' })
    auth.dispose()
    expect(loadEnv({ env: { POCKETBASE_URL: 'https://pb.example.com/@team' } }).url).toBe(
      'https://pb.example.com/@team',
    )
  })
})
