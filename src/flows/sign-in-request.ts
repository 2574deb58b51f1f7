import type { ResolvedConfig } from '../config.js'
import type { FirstFactor } from '../errors/mfa.js'
import { pocketBaseRequest, type PocketBaseRequest } from '../http/request.js'
import { parseAuthResponse } from '../session/auth-response.js'
import type { ReceivedAuth } from '../session/build-session.js'
import { serverClockOffsetMs } from '../session/clock-skew.js'
import type { AuthCallOptions } from './input.js'

/** Fields the SDK needs from every auth response, added to any `fields` filter the caller gives. */
const REQUIRED_FIELDS = 'token,record.id,record.collectionId,record.collectionName'

/**
 * Query string for the `fields` and `expand` options.
 *
 * @param options - the call's options, if any
 * @returns `fields` with the SDK's required fields appended, and `expand`; each `undefined` when not given
 */
export function authQuery(options: AuthCallOptions | undefined): Record<string, string | undefined> {
  return {
    fields: options?.fields === undefined ? undefined : `${options.fields},${REQUIRED_FIELDS}`,
    expand: options?.expand,
  }
}

/** A request to an endpoint that answers `{ token, record }`. */
export type AuthEndpointRequest = Omit<PocketBaseRequest, 'method' | 'endpoint'> & {
  /** Set for sign-in endpoints, so a 401 `{ mfaId }` becomes `MfaRequiredError`. */
  readonly factor?: FirstFactor
}

/**
 * POSTs to an endpoint that answers `{ token, record }` and checks the body.
 *
 * @param config - the client's resolved config
 * @param request - the endpoint's path, query, body, token and signal; `factor` for sign-in endpoints
 * @returns the checked body with the server clock offset, arrival time and exchange
 * @throws {UnexpectedResponseError} `unexpected_response` naming the first field of the body with the wrong type.
 */
export async function requestAuth(
  config: ResolvedConfig,
  request: AuthEndpointRequest,
): Promise<ReceivedAuth> {
  const { factor, ...rest } = request
  const response = await pocketBaseRequest(config, {
    ...rest,
    method: 'POST',
    endpoint: factor === undefined ? { kind: 'other' } : { kind: 'sign-in', factor },
  })
  return {
    body: parseAuthResponse(response.body, response.exchange),
    clockOffsetMs: serverClockOffsetMs(response.headers.get('date'), response.receivedAt),
    receivedAt: response.receivedAt,
    exchange: response.exchange,
  }
}
