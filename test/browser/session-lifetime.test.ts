/**
 * A browser that keeps loading pages stays signed in across three 10-second token lifetimes (each load past a
 * fifth of the token's life refreshes it and sets a new cookie); once loads stop, a page loaded after the last
 * token's `exp` shows the visitor signed out. Counts loads and tokens, never durations.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchBrowser, type TestBrowser } from './chromium.js'
import { signInWithPassword, startWebStack, statusOf, type WebStack } from './web-stack.js'

const TOKEN_SECONDS = 10
const REFRESH = 'POST /api/collections/users/auth-refresh'

let stack: WebStack
let chromium: TestBrowser

beforeAll(async () => {
  ;[stack, chromium] = await Promise.all([
    startWebStack({ tokenSeconds: TOKEN_SECONDS, refreshAfterShare: 0.2 }),
    launchBrowser(inject('chromiumPath')),
  ])
})
afterAll(async () => {
  await Promise.all([chromium?.close(), stack?.stop()])
})

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('a session kept in cookies, refreshed by page loads', () => {
  it('stays signed in across three token lifetimes, then ends after the last token expires', async () => {
    const context = await chromium.browser.createBrowserContext()
    const page = await context.newPage()
    const user = await stack.user()
    await signInWithPassword(page, stack.url, user)
    const first = await statusOf(page)
    expect(first.email).toBe(user.email)
    const signedInAt = first.expiresAt! - TOKEN_SECONDS * 1000
    stack.proxy.reset()

    const expiries = new Set<number>([first.expiresAt!])
    let loads = 0
    let last = first
    while (Date.now() < signedInAt + 3 * TOKEN_SECONDS * 1000 + 1000) {
      await pause(1000)
      await page.goto(stack.url)
      last = await statusOf(page)
      loads++
      expect(last.email, `load ${loads}`).toBe(user.email)
      expiries.add(last.expiresAt!)
    }
    expect(loads).toBeGreaterThanOrEqual(3) // however slow the machine, every lifetime saw a load
    expect(Math.max(...expiries)).toBeGreaterThan(signedInAt + 3 * TOKEN_SECONDS * 1000)
    expect(expiries.size).toBeGreaterThanOrEqual(4)
    expect(stack.proxy.count(REFRESH)).toBe(expiries.size - 1)

    // No more loads: the last token runs out.
    while (Date.now() <= last.expiresAt! + 1000) await pause(500)
    await page.goto(stack.url)
    expect((await statusOf(page)).text).toBe('Signed out')
    expect((await context.cookies()).map((cookie) => cookie.name)).toEqual([])
    await context.close()
  })
})
