import { NotAuthenticatedError } from '../errors/session-errors.js'

/**
 * The error of any call on a client after its `dispose()`.
 *
 * @param method - the method that was called, for the message
 * @returns a `not_authenticated` error whose message names `dispose()`
 */
export function disposedError(method: string): NotAuthenticatedError {
  return new NotAuthenticatedError(`${method}: this client was closed by dispose(); create a new client`)
}
