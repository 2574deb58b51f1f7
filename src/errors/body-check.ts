import { isNonEmptyString, isObject } from '../narrow.js'
import type { FailedExchange } from './auth-error.js'
import { UnexpectedResponseError, type ResponseIssue } from './protocol.js'
import { requestLabel } from './request-label.js'

/**
 * The `unexpected_response` error for one thing wrong with a response: its message names the request (method
 * and URL, when known) and then the problem; it carries the exchange (and so its status) and the one issue.
 *
 * @param exchange - the request the response answered; without it the message is `problem` alone
 * @param problem - what is wrong, naming the field, never its value
 * @param issue - the field's path and what it must be
 * @returns the error to throw
 */
export function responseProblem(
  exchange: FailedExchange | undefined,
  problem: string,
  issue: ResponseIssue,
): UnexpectedResponseError {
  return new UnexpectedResponseError(
    exchange === undefined ? problem : `${requestLabel(exchange)}: ${problem}`,
    {
      exchange,
      issues: [issue],
    },
  )
}

/**
 * Checks an untrusted response body field by field, as oauth4webapi does: the first field that fails throws
 * `unexpected_response` naming the field and what it must be, never its value, e.g.
 * `POST https://pb.example.com/api/collections/users/auth-with-password: "response" body "record.collectionName"
 * property must be a non-empty string`.
 *
 * @example
 * ```ts
 * const check = new BodyCheck(response.exchange)
 * const body = check.object(response.body, '')
 * const otpId = check.nonEmptyString(body.otpId, 'otpId')
 * ```
 */
export class BodyCheck {
  readonly #exchange: FailedExchange | undefined

  /**
   * @param exchange - the request the body answered (method, URL, status), for the message; without it the
   * message starts with `"response" body`
   */
  constructor(exchange: FailedExchange | undefined) {
    this.#exchange = exchange
  }

  /**
   * Throws for `field`.
   *
   * @param field - the dotted path of the field in the body, `''` for the body itself
   * @param expectation - what it must be, e.g. `a non-empty string`
   * @returns never
   * @throws {UnexpectedResponseError} `unexpected_response`, with one issue naming `field`.
   */
  fail(field: string, expectation: string): never {
    const subject = field === '' ? '"response" body' : `"response" body "${field}" property`
    throw responseProblem(this.#exchange, `${subject} must be ${expectation}`, {
      path: field === '' ? '(body)' : field,
      message: `must be ${expectation}`,
    })
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path, `''` for the body itself
   * @returns `value`, when it is a non-array object
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  object(value: unknown, field: string): Record<string, unknown> {
    return isObject(value) ? value : this.fail(field, 'a JSON object')
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path
   * @returns `value`, when it is a string (possibly empty)
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  string(value: unknown, field: string): string {
    return typeof value === 'string' ? value : this.fail(field, 'a string')
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path
   * @returns `value`, when it is a string with at least one character
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  nonEmptyString(value: unknown, field: string): string {
    return isNonEmptyString(value) ? value : this.fail(field, 'a non-empty string')
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path
   * @returns `value`, when it is a boolean
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  boolean(value: unknown, field: string): boolean {
    return typeof value === 'boolean' ? value : this.fail(field, 'a boolean')
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path
   * @returns `value`, when it is a finite number, 0 or more
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  nonNegativeNumber(value: unknown, field: string): number {
    return typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? value
      : this.fail(field, 'a finite number, 0 or more')
  }

  /**
   * @param value - the field's value
   * @param field - its dotted path
   * @returns `value`, when it is an array
   * @throws {UnexpectedResponseError} `unexpected_response` otherwise.
   */
  array(value: unknown, field: string): readonly unknown[] {
    return Array.isArray(value) ? value : this.fail(field, 'an array')
  }
}
