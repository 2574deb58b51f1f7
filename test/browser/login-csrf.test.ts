/**
 * Login CSRF in a real browser: an attacker starts an OpenID sign-in with their own provider account, stops their
 * browser before it follows the provider's redirect back, and gets the victim's browser to open that callback URL.
 * The app refuses it (`oauth2_state_invalid`), PocketBase is never asked to exchange the code, and nobody is signed
 * in; the victim's own pending sign-in still completes.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, HTTPRequest, Page } from 'puppeteer-core'
import { launchBrowser, type TestBrowser } from './chromium.js'
import { startWebStack, statusOf, type WebStack } from './web-stack.js'

const EXCHANGE = 'POST /api/collections/users/auth-with-oauth2'

let stack: WebStack
let chromium: TestBrowser

beforeAll(async () => {
  ;[stack, chromium] = await Promise.all([startWebStack(), launchBrowser(inject('chromiumPath'))])
})
afterAll(async () => {
  await Promise.all([chromium?.close(), stack?.stop()])
})

function person(role: string): { sub: string; email: string; email_verified: boolean; name: string } {
  const id = randomBytes(5).toString('hex')
  return { sub: `sub-${id}`, email: `${role}-${id}@example.com`, email_verified: true, name: role }
}

/** Starts an OpenID sign-in in `page` and stops at the provider's redirect back: returns the callback URL. */
async function callbackUrlOf(page: Page, url: string): Promise<string> {
  await page.setRequestInterception(true)
  let onRequest: (request: HTTPRequest) => void = () => undefined
  const captured = new Promise<string>((resolve) => {
    onRequest = (request) => {
      if (request.isInterceptResolutionHandled()) return
      if (new URL(request.url()).pathname === '/auth/callback') {
        resolve(request.url())
        request.abort().catch(() => undefined)
      } else request.continue().catch(() => undefined)
    }
  })
  page.on('request', onRequest)
  await page.goto(`${url}/login`)
  await page.click('#oauth2-form button')
  const callback = await captured
  page.off('request', onRequest)
  await page.setRequestInterception(false)
  return callback
}

describe('login CSRF', () => {
  it("an attacker's callback URL opened in the victim's browser signs nobody in", async () => {
    const contexts: BrowserContext[] = [
      await chromium.browser.createBrowserContext(),
      await chromium.browser.createBrowserContext(),
    ]
    const [attacker, victim] = (await Promise.all(contexts.map((context) => context.newPage()))) as [
      Page,
      Page,
    ]
    const attackerPerson = person('attacker')
    stack.oidc.setUser(attackerPerson)
    const attackersCallback = await callbackUrlOf(attacker, stack.url)
    expect(new URL(attackersCallback).searchParams.get('code')).not.toBeNull()
    stack.proxy.reset()

    // A victim with no sign-in of their own in progress.
    await victim.goto(attackersCallback)
    expect(await victim.$eval('#error', (element) => element.getAttribute('data-code'))).toBe(
      'oauth2_state_invalid',
    )
    await victim.goto(stack.url)
    expect((await statusOf(victim)).text).toBe('Signed out')
    expect((await contexts[1]!.cookies()).map((cookie) => cookie.name)).toEqual([])

    // A victim in the middle of their own sign-in: the attacker's callback fails, theirs still works.
    const victimPerson = person('victim')
    stack.oidc.setUser(victimPerson)
    const victimsCallback = await callbackUrlOf(victim, stack.url)
    await victim.goto(attackersCallback)
    expect(await victim.$eval('#error', (element) => element.getAttribute('data-code'))).toBe(
      'oauth2_state_invalid',
    )
    expect(stack.proxy.count(EXCHANGE)).toBe(0)
    await victim.goto(victimsCallback)
    expect((await statusOf(victim)).email).toBe(victimPerson.email)
    expect(stack.proxy.count(EXCHANGE)).toBe(1)

    // The attacker was never signed in anywhere.
    await attacker.goto(stack.url)
    expect((await statusOf(attacker)).text).toBe('Signed out')
    await Promise.all(contexts.map((context) => context.close()))
  })
})
