import { http } from 'msw'
import { afterEach, describe, expect, it } from 'vitest'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { serverClockOffsetMs } from '../../src/session/clock-skew.js'
import { makeAuthResponse } from '../helpers/factories.js'
import { PB_URL, pbJson, pbUrl, useMswServer } from '../helpers/msw.js'

const SERVER_NOW = Date.parse('2026-11-22T10:00:00Z')
const HTTP_DATE = new Date(SERVER_NOW).toUTCString()
const TEN_MINUTES = 10 * 60_000

describe('serverClockOffsetMs', () => {
  it('is the upper bound of the Date second when the clocks agree', () => {
    expect(serverClockOffsetMs(HTTP_DATE, SERVER_NOW)).toBe(999)
  })

  it('is negative when our clock is ahead of the server', () => {
    expect(serverClockOffsetMs(HTTP_DATE, SERVER_NOW + TEN_MINUTES)).toBe(999 - TEN_MINUTES)
  })

  it('is positive when our clock is behind the server', () => {
    expect(serverClockOffsetMs(HTTP_DATE, SERVER_NOW - TEN_MINUTES)).toBe(999 + TEN_MINUTES)
  })

  it.each([null, undefined, '', 'yesterday-ish', 'Thu, 99 Foo 2026 99:99:99 GMT'])(
    'is 0 for a missing or unreadable Date (%j)',
    (header) => {
      expect(serverClockOffsetMs(header, SERVER_NOW)).toBe(0)
    },
  )
})

describe('expiresAt with a skewed client clock', () => {
  const { server } = useMswServer()
  let auth: AuthClient | undefined
  afterEach(() => {
    auth?.dispose()
    auth = undefined
  })

  const LIFETIME_MS = 3600_000

  it.each([
    ['ahead by 10 minutes', TEN_MINUTES],
    ['behind by 10 minutes', -TEN_MINUTES],
    ['in step', 0],
  ])('our clock %s: the token still has its real lifetime left on our clock', async (_label, skew) => {
    // The server issued a token that lives one hour from ITS now; our clock is off by `skew`.
    const body = makeAuthResponse({ claims: { exp: SERVER_NOW / 1000 + LIFETIME_MS / 1000 } })
    server.use(http.post(pbUrl('auth-with-password'), () => pbJson(body, 200, { Date: HTTP_DATE })))
    const ourNow = SERVER_NOW + skew
    auth = createAuthClient({ url: PB_URL, now: () => ourNow, autoRefresh: false })

    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    const msLeft = session.expiresAt - ourNow
    // Errs early by under a second (Date has one-second resolution), never late.
    expect(msLeft).toBeLessThanOrEqual(LIFETIME_MS)
    expect(msLeft).toBeGreaterThan(LIFETIME_MS - 1000)
    expect(session.issuedAt).toBe(ourNow)
    expect(auth.isAuthenticated).toBe(true)
  })

  it('without a Date header, expiresAt is the exp claim as is', async () => {
    const body = makeAuthResponse({ claims: { exp: SERVER_NOW / 1000 + 3600 } })
    server.use(
      http.post(pbUrl('auth-with-password'), () => {
        const response = pbJson(body)
        response.headers.delete('date')
        return response
      }),
    )
    auth = createAuthClient({ url: PB_URL, now: () => SERVER_NOW, autoRefresh: false })
    const session = await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    expect(session.expiresAt).toBe(SERVER_NOW + 3600_000)
  })

  it('a token that expired on the server clock is not authenticated even if our clock is behind', async () => {
    const body = makeAuthResponse({ claims: { exp: SERVER_NOW / 1000 - 60 } })
    server.use(http.post(pbUrl('auth-with-password'), () => pbJson(body, 200, { Date: HTTP_DATE })))
    auth = createAuthClient({ url: PB_URL, now: () => SERVER_NOW - TEN_MINUTES, autoRefresh: false })
    await auth.authWithPassword('alice@example.com', 'pw-secret-1')
    expect(auth.isAuthenticated).toBe(false)
  })
})
