import '../setup/fail-on-unhandled.js'
import { getEventListeners } from 'node:events'
import { afterEach, beforeEach, expect, it, vi } from 'vitest'
import { createAuthClient, type AuthClient } from '../../src/index.js'
import { createFakeFetch, json, signInBody } from './fake-fetch.js'

/**
 * Bounded by iterations, not time: every cycle is checked to leave exactly what it found (no listener, no
 * timer), so a leak shows in the first cycle that has it and a thousand cycles are as telling as ten thousand.
 * The work is about 1,000 fake requests; the limit below is there only to end a hang, not to judge speed.
 */
const CYCLES = 1_000
const HANG_LIMIT_MS = 60_000

let auth: AuthClient | undefined
beforeEach(() => {
  // Fake timers count every timer, unref'd ones included (process.getActiveResourcesInfo() skips those).
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
})
afterEach(() => {
  auth?.dispose()
  vi.useRealTimers()
})

it(
  `${CYCLES.toLocaleString('en')} sign-in/sign-out cycles on one client leave no listeners or timers behind`,
  { timeout: HANG_LIMIT_MS },
  async () => {
    const body = signInBody('alice', { lifetimeSeconds: 3600 })
    const { fetch, requests } = createFakeFetch(() => json(body))
    auth = createAuthClient({ url: 'http://pb.test', fetch })
    const caller = new AbortController()
    const counts = { signedIn: 0, signedOut: 0, stale: 0 }
    auth.on('signedIn', () => counts.signedIn++)
    auth.on('signedOut', () => counts.signedOut++)
    const leaks: string[] = []

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      // A listener added and removed every cycle, as an app's component would.
      const unsubscribe = auth.on('signedIn', () => counts.stale++)
      await auth.authWithPassword('alice@example.com', 'pw-correct-horse', { signal: caller.signal })
      unsubscribe()
      if (!auth.isAuthenticated) leaks.push(`cycle ${cycle}: not signed in`)
      if (vi.getTimerCount() !== 1) leaks.push(`cycle ${cycle}: ${vi.getTimerCount()} timers while signed in`)
      auth.logout()
      // The caller's signal: the request removed the abort listener it added.
      const listeners = getEventListeners(caller.signal, 'abort').length
      if (listeners !== 0) leaks.push(`cycle ${cycle}: ${listeners} abort listeners left`)
      // No refresh timer and no request timeout survives a logout.
      if (vi.getTimerCount() !== 0) leaks.push(`cycle ${cycle}: ${vi.getTimerCount()} timers after logout`)
      if (leaks.length > 0) break
    }

    expect(leaks).toEqual([])
    expect(requests).toHaveLength(CYCLES)
    expect(counts).toEqual({ signedIn: CYCLES, signedOut: CYCLES, stale: CYCLES })
    expect(auth.session).toBeNull()
    // Unsubscribed listeners stay gone: one more sign-in reaches only the two permanent listeners.
    await auth.authWithPassword('alice@example.com', 'pw-correct-horse')
    expect(counts).toEqual({ signedIn: CYCLES + 1, signedOut: CYCLES, stale: CYCLES })
    expect(vi.getTimerCount()).toBe(1) // exactly the one refresh timer of the live session
    auth.logout()
    expect(vi.getTimerCount()).toBe(0)
  },
)
