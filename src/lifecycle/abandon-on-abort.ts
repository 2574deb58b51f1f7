import { AbortedError } from '../errors/transport.js'

/**
 * Lets one caller stop waiting for a shared promise when its signal aborts, without cancelling the promise (other
 * callers, or the refresh timer, may still rely on it).
 *
 * @param shared - the promise several callers wait for
 * @param signal - this caller's signal
 * @param message - the `AbortedError` message, naming the call
 * @returns `shared`'s outcome, or an `aborted` rejection as soon as `signal` aborts (at once if it already has)
 */
export function abandonOnAbort<T>(shared: Promise<T>, signal: AbortSignal, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new AbortedError(message))
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
