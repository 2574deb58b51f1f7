import '../setup/fail-on-unhandled.js'
import { getEventListeners } from 'node:events'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { createFakeFetch, json, signInBody } from './fake-fetch.js'

const CYCLES = 10_000

let auth: AuthClient | undefined
beforeEach(() => {
  // Fake timers count every timer, unref'd ones included (process.getActiveResourcesInfo() skips those).
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
})
afterEach(() => {
  auth?.dispose()
  vi.useRealTimers()
})

it(`${CYCLES.toLocaleString('en')} sign-in/sign-out cycles on one client leave no listeners or timers behind`, async () => {
  const body = signInBody('alice', { lifetimeSeconds: 3600 })
  const { fetch } = createFakeFetch(() => json(body))
  auth = createAuthClient({ url: 'http://pb.test', fetch })
  const caller = new AbortController()
  const counts = { signedIn: 0, signedOut: 0, stale: 0 }
  auth.on('signedIn', () => counts.signedIn++)
  auth.on('signedOut', () => counts.signedOut++)

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    // A listener added and removed every cycle, as an app's component would.
    const unsubscribe = auth.on('signedIn', () => counts.stale++)
    await auth.authWithPassword('alice@example.com', 'pw-correct-horse', { signal: caller.signal })
    unsubscribe()
    expect(auth.isAuthenticated).toBe(true)
    auth.logout()
  }

  expect(counts).toEqual({ signedIn: CYCLES, signedOut: CYCLES, stale: CYCLES })
  expect(auth.session).toBeNull()
  // The caller's signal: every request removed the abort listener it added.
  expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0)
  // No refresh timer and no request timeout survives a logout.
  expect(vi.getTimerCount()).toBe(0)
  // Unsubscribed listeners stay gone: one more sign-in reaches only the two permanent listeners.
  await auth.authWithPassword('alice@example.com', 'pw-correct-horse')
  expect(counts).toEqual({ signedIn: CYCLES + 1, signedOut: CYCLES, stale: CYCLES })
  expect(vi.getTimerCount()).toBe(1) // exactly the one refresh timer of the live session
  auth.logout()
  expect(vi.getTimerCount()).toBe(0)
})
