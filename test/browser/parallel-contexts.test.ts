/**
 * Fifty browsers (isolated contexts) signed in as fifty users on one server, loading pages at the same time while
 * their tokens are refreshed: each only ever sees its own session.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'puppeteer-core'
import { launchBrowser, type TestBrowser } from './chromium.js'
import { signInWithPassword, startWebStack, statusOf, type WebStack } from './web-stack.js'

const BROWSERS = 50
const REFRESH = 'POST /api/collections/users/auth-refresh'

let stack: WebStack
let chromium: TestBrowser
const contexts: BrowserContext[] = []

beforeAll(async () => {
  // Hour-long tokens (no cookie may expire however long fifty sign-ins take on a loaded machine), refreshed by any
  // load 3.6 s after their sign-in: the concurrent loads below refresh fifty tokens at once.
  ;[stack, chromium] = await Promise.all([
    startWebStack({ tokenSeconds: 3600, refreshAfterShare: 0.001 }),
    launchBrowser(inject('chromiumPath')),
  ])
})
afterAll(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)))
  await Promise.all([chromium?.close(), stack?.stop()])
})

/** Runs `task` over `items`, at most `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!)
    }),
  )
}

describe('fifty browsers on one server', () => {
  it('never see each other’s session, also while their tokens are refreshed at the same time', async () => {
    const users: { email: string; password: string }[] = []
    await eachLimited(
      Array.from({ length: BROWSERS }, (_, index) => index),
      5,
      async () => void users.push(await stack.user()),
    )
    const pages: Page[] = []
    for (let i = 0; i < BROWSERS; i++) {
      const context = await chromium.browser.createBrowserContext()
      contexts.push(context)
      pages.push(await context.newPage())
    }
    await eachLimited(
      pages.map((page, index) => ({ page, user: users[index]! })),
      10,
      ({ page, user }) => signInWithPassword(page, stack.url, user),
    )
    const cookies = await Promise.all(contexts.map((context) => context.cookies()))
    const values = cookies.map((list) => list.find((cookie) => cookie.name === 'pb_auth')?.value)
    expect(new Set(values).size).toBe(BROWSERS)

    await new Promise((resolve) => setTimeout(resolve, 4_000)) // past 0.1% (3.6 s) of every token's life
    stack.proxy.reset()
    for (const path of ['/', '/account', '/']) {
      const seen = await Promise.all(
        pages.map(async (page) => {
          await page.goto(`${stack.url}${path}`)
          return path === '/account'
            ? await page.$eval('#account', (element) => element.getAttribute('data-email'))
            : (await statusOf(page)).email
        }),
      )
      expect(seen).toEqual(users.map((user) => user.email))
    }
    expect(stack.proxy.count(REFRESH)).toBeGreaterThanOrEqual(BROWSERS)
  })
})
