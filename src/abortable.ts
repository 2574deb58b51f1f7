/**
 * Waiting for a shared promise with a caller's own `AbortSignal`: the caller stops waiting when it aborts, while
 * the shared work (a refresh, a verification other callers also wait for) goes on for them.
 * @module
 */

/**
 * `pending`, or a rejection with `reason()` as soon as `signal` aborts, whichever comes first. The listener is
 * removed once either happens.
 *
 * @param pending - the shared work
 * @param signal - the caller's signal
 * @param reason - what an abort rejects with
 * @returns what `pending` resolves to
 */
export function raceAbort<T>(pending: Promise<T>, signal: AbortSignal, reason: () => unknown): Promise<T> {
  if (signal.aborted) return Promise.reject(reason())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reason())
    signal.addEventListener('abort', onAbort, { once: true })
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
