import type { AuthClient, AuthEventName, AuthEvents } from '../../src/index.js'

/**
 * Resolves with the payload of the next `event` of `auth` that `accept` accepts (any, by default); rejects after
 * `timeoutMs`, so a test waiting on a real server's timing fails with a clear message instead of hanging.
 */
export function nextEvent<K extends AuthEventName>(
  auth: AuthClient,
  event: K,
  timeoutMs = 15_000,
  accept: (payload: AuthEvents[K]) => boolean = () => true,
): Promise<AuthEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`no ${event} event within ${timeoutMs} ms`))
    }, timeoutMs)
    const off = auth.on(event, (payload) => {
      if (!accept(payload)) return
      clearTimeout(timer)
      off()
      resolve(payload)
    })
  })
}
