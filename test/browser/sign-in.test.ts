/**
 * The example web app in headless Chromium: each sign-in method, the protected page, the cookie's attributes (and
 * that page scripts cannot read it), and sign-out by POST.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'puppeteer-core'
import { launchBrowser, type TestBrowser } from './chromium.js'
import { signInWithPassword, startWebStack, statusOf, submitForm, type WebStack } from './web-stack.js'

let stack: WebStack
let chromium: TestBrowser
const contexts: BrowserContext[] = []

async function freshPage(): Promise<Page> {
  const context = await chromium.browser.createBrowserContext()
  contexts.push(context)
  return context.newPage()
}

async function cookieNames(page: Page): Promise<string[]> {
  return (await page.browserContext().cookies()).map((cookie) => cookie.name).sort()
}

beforeAll(async () => {
  ;[stack, chromium] = await Promise.all([startWebStack(), launchBrowser(inject('chromiumPath'))])
})
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()))
})
afterAll(async () => {
  await Promise.all([chromium?.close(), stack?.stop()])
})

describe('signing in through the example web app', () => {
  it('by password: an HttpOnly, SameSite=Lax session cookie that page scripts cannot read', async () => {
    const page = await freshPage()
    const user = await stack.user()
    await signInWithPassword(page, stack.url, user)
    expect((await statusOf(page)).email).toBe(user.email)
    const cookies = await page.browserContext().cookies()
    const session = cookies.find((cookie) => cookie.name === 'pb_auth')
    expect(session).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: false,
      session: false,
    })
    expect(session!.value.startsWith('v1~')).toBe(true)
    expect(await page.evaluate(() => document.cookie)).not.toContain('pb_auth')
    expect(await page.evaluate(() => document.cookie)).toBe('')
    await page.goto(`${stack.url}/account`)
    expect(await page.$eval('#account', (element) => element.getAttribute('data-email'))).toBe(user.email)
  })

  it('by a code from the mail (OTP)', async () => {
    const page = await freshPage()
    const user = await stack.user()
    await page.goto(`${stack.url}/login`)
    await submitForm(page, '#otp-form', { email: user.email })
    expect(await page.$eval('#code-sent', (element) => element.textContent)).toContain(user.email)
    expect(await cookieNames(page)).toEqual(['pb_auth_otp'])
    await submitForm(page, '#code-form', { code: await stack.code(user.email) })
    expect((await statusOf(page)).email).toBe(user.email)
    expect(await cookieNames(page)).toEqual(['pb_auth'])
  })

  it('by OpenID (OAuth2 with PKCE through the local provider)', async () => {
    const page = await freshPage()
    const person = {
      sub: `sub-${Date.now()}`,
      email: `oidc-${Date.now()}@example.com`,
      email_verified: true,
      name: 'Olga',
    }
    stack.oidc.setUser(person)
    await page.goto(`${stack.url}/login`)
    await Promise.all([page.waitForNavigation(), page.click('#oauth2-form button')])
    await page.waitForSelector('#status')
    expect((await statusOf(page)).email).toBe(person.email)
    expect(await cookieNames(page)).toEqual(['pb_auth'])
  })

  it('with MFA: a password, then a code from the mail, across requests', async () => {
    const page = await freshPage()
    const user = await stack.user({ mfa: true })
    await signInWithPassword(page, stack.url, user)
    expect(await page.$eval('h1', (element) => element.textContent)).toBe('Second factor')
    expect((await statusOf(page)).email).toBe('')
    expect(await cookieNames(page)).toEqual(['pb_auth_mfa', 'pb_auth_otp'])
    await submitForm(page, '#code-form', { code: await stack.code(user.email) })
    expect((await statusOf(page)).email).toBe(user.email)
    expect(await cookieNames(page)).toEqual(['pb_auth'])
  })

  it('the protected page sends a visitor without a session to the login page', async () => {
    const page = await freshPage()
    await page.goto(`${stack.url}/account`)
    expect(new URL(page.url()).pathname).toBe('/login')
    expect((await statusOf(page)).text).toBe('Signed out')
  })

  it('sign-out by POST deletes the session cookie; the protected page then refuses', async () => {
    const page = await freshPage()
    const user = await stack.user()
    await signInWithPassword(page, stack.url, user)
    expect(await cookieNames(page)).toEqual(['pb_auth'])
    await Promise.all([page.waitForNavigation(), page.click('#logout')])
    expect((await statusOf(page)).text).toBe('Signed out')
    expect(await cookieNames(page)).toEqual([])
    await page.goto(`${stack.url}/account`)
    expect(new URL(page.url()).pathname).toBe('/login')
  })
})
