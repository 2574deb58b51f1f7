/**
 * Type tests: checked by `tsc --noEmit` (expectTypeOf is a no-op at run time). A regression here fails the
 * typecheck, not the vitest run.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type {
  AnyAuthError,
  AuthClient,
  AuthClientOptions,
  AuthError,
  AuthErrorCode,
  AuthEvents,
  AuthMethods,
  AuthRecord,
  AuthSession,
  ConfigIssue,
  DbInterfaceOptions,
  FieldError,
  FirstFactor,
  InvalidCredentialsReason,
  OAuth2ProviderInfo,
  RefreshFailedEvent,
  RequestOTPResult,
  SignedOutReason,
  StartOAuth2Result,
  TokenStore,
} from '../../src/index.js'
import { createDbInterface, isAuthError } from '../../src/index.js'

/** Keys of `T` whose type is `any`; `never` when there are none. */
type AnyKeys<T> = { [K in keyof T]-?: 0 extends 1 & T[K] ? K : never }[keyof T]

/** Methods of `T` with an `any` parameter or (awaited) return type; `never` when there are none. */
type MethodsWithAny<T> = {
  [K in keyof T]-?: T[K] extends (...args: infer P) => infer R
    ? 0 extends 1 & P[number]
      ? K
      : 0 extends 1 & R
        ? K
        : 0 extends 1 & Awaited<R>
          ? K
          : never
    : never
}[keyof T]

/** Sanity checks of the helpers themselves, so a broken helper cannot pass everything. */
expectTypeOf<AnyKeys<{ a: string; b: any }>>().toEqualTypeOf<'b'>() // eslint-disable-line @typescript-eslint/no-explicit-any
expectTypeOf<MethodsWithAny<{ f(x: any): void; g(): Promise<any>; h(): string }>>().toEqualTypeOf<'f' | 'g'>() // eslint-disable-line @typescript-eslint/no-explicit-any

describe('AnyAuthError', () => {
  it('covers exactly the AuthErrorCode union', () => {
    expectTypeOf<AnyAuthError['code']>().toEqualTypeOf<AuthErrorCode>()
    expectTypeOf<AnyAuthError>().toExtend<AuthError>()
  })

  it('narrows on code', () => {
    const describeError = (error: AnyAuthError): string => {
      switch (error.code) {
        case 'validation_failed':
          expectTypeOf(error.fieldErrors).toEqualTypeOf<Readonly<Record<string, FieldError>>>()
          expectTypeOf(error.fieldErrors['password']).toEqualTypeOf<FieldError | undefined>()
          return 'validation'
        case 'mfa_required':
          expectTypeOf(error.mfaId).toEqualTypeOf<string>()
          expectTypeOf(error.firstFactor).toEqualTypeOf<FirstFactor>()
          expectTypeOf(error.expiresAt).toEqualTypeOf<number | undefined>()
          return 'mfa'
        case 'rate_limited':
          expectTypeOf(error.retryAfterMs).toEqualTypeOf<number | undefined>()
          return 'rate'
        case 'config_invalid':
          expectTypeOf(error.issues).toEqualTypeOf<readonly ConfigIssue[]>()
          return 'config'
        case 'invalid_credentials':
          expectTypeOf(error.reason).toEqualTypeOf<InvalidCredentialsReason>()
          return 'credentials'
        case 'oauth2_failed':
          expectTypeOf(error.providerError).toEqualTypeOf<string | undefined>()
          return 'oauth2'
        case 'network':
        case 'timeout':
        case 'aborted':
          // @ts-expect-error transport errors have no fieldErrors
          void error.fieldErrors
          return 'transport'
        case 'otp_invalid':
        case 'oauth2_state_invalid':
        case 'not_authenticated':
        case 'token_expired':
        case 'token_not_refreshable':
        case 'refresh_failed':
        case 'forbidden':
        case 'not_found':
        case 'server_error':
        case 'unexpected_response':
          return error.code
        default:
          expectTypeOf(error).toBeNever()
          return error
      }
    }
    expectTypeOf(describeError).returns.toEqualTypeOf<string>()
  })

  it('status is an optional number, never any', () => {
    expectTypeOf<AnyAuthError['status']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<AnyKeys<AuthError>>().toBeNever()
  })

  it('isAuthError narrows unknown to AuthError', () => {
    const value: unknown = new Error('x')
    if (isAuthError(value)) expectTypeOf(value).toEqualTypeOf<AuthError>()
    expectTypeOf(isAuthError).guards.toEqualTypeOf<AuthError>()
  })
})

describe('nothing public is any', () => {
  it('AuthSession and AuthRecord', () => {
    expectTypeOf<AuthSession['record']>().not.toBeAny()
    expectTypeOf<AuthSession['record']>().toEqualTypeOf<AuthRecord>()
    expectTypeOf<AuthSession['token']>().toEqualTypeOf<string>()
    expectTypeOf<AuthSession['expiresAt']>().toEqualTypeOf<number>()
    expectTypeOf<AnyKeys<AuthSession>>().toBeNever()
    expectTypeOf<AnyKeys<AuthRecord>>().toBeNever()
    expectTypeOf<AuthRecord['someCustomField']>().toEqualTypeOf<unknown>()
  })

  it('AuthClient methods', () => {
    expectTypeOf<MethodsWithAny<AuthClient>>().toBeNever()
    expectTypeOf<AnyKeys<AuthClient>>().toBeNever()
    expectTypeOf<AuthClient['getToken']>().returns.toEqualTypeOf<Promise<string>>()
    expectTypeOf<AuthClient['authWithPassword']>().returns.toEqualTypeOf<Promise<AuthSession>>()
    expectTypeOf<AuthClient['authWithOTP']>().returns.toEqualTypeOf<Promise<AuthSession>>()
    expectTypeOf<AuthClient['authRefresh']>().returns.toEqualTypeOf<Promise<AuthSession>>()
    expectTypeOf<Awaited<ReturnType<AuthClient['completeOAuth2']>>>().toExtend<AuthSession>()
    expectTypeOf<Awaited<ReturnType<AuthClient['authWithOAuth2Code']>>>().toExtend<AuthSession>()
    expectTypeOf<AuthClient['requestOTP']>().returns.toEqualTypeOf<Promise<RequestOTPResult>>()
    expectTypeOf<AuthClient['listAuthMethods']>().returns.toEqualTypeOf<Promise<AuthMethods>>()
    expectTypeOf<AuthClient['startOAuth2']>().returns.toEqualTypeOf<Promise<StartOAuth2Result>>()
    expectTypeOf<AuthClient['impersonate']>().returns.toEqualTypeOf<Promise<AuthClient>>()
    expectTypeOf<ReturnType<AuthClient['logout']>>().toBeVoid()
    expectTypeOf<AuthClient['requestPasswordReset']>().returns.toEqualTypeOf<Promise<void>>()
    expectTypeOf<AuthClient['session']>().toEqualTypeOf<AuthSession | null>()
    expectTypeOf<AuthClient['isAuthenticated']>().toEqualTypeOf<boolean>()
  })

  it('auth methods, options and store', () => {
    expectTypeOf<AnyKeys<AuthMethods>>().toBeNever()
    expectTypeOf<AnyKeys<OAuth2ProviderInfo>>().toBeNever()
    expectTypeOf<AnyKeys<AuthClientOptions>>().toBeNever()
    expectTypeOf<MethodsWithAny<TokenStore>>().toBeNever()
    expectTypeOf<AuthMethods['mfa']['durationSeconds']>().toEqualTypeOf<number>()
  })
})

describe('event payloads', () => {
  it('are typed per event', () => {
    expectTypeOf<AnyKeys<AuthEvents>>().toBeNever()
    expectTypeOf<AuthEvents['signedIn']>().toEqualTypeOf<AuthSession>()
    expectTypeOf<AuthEvents['tokenRefreshed']>().toEqualTypeOf<AuthSession>()
    expectTypeOf<AuthEvents['signedOut']['reason']>().toEqualTypeOf<SignedOutReason>()
    expectTypeOf<SignedOutReason>().toEqualTypeOf<'logout' | 'expired' | 'revoked'>()
    expectTypeOf<AuthEvents['mfaRequired']['mfaId']>().toEqualTypeOf<string>()
    expectTypeOf<AuthEvents['refreshFailed']>().toEqualTypeOf<RefreshFailedEvent>()
    expectTypeOf<RefreshFailedEvent['error']>().toEqualTypeOf<AuthError>()
    expectTypeOf<AuthEvents['expiring']['msLeft']>().toEqualTypeOf<number>()
    expectTypeOf<AuthEvents['error']>().toEqualTypeOf<Error>()
  })

  it('on() infers the payload from the event name and returns an unsubscribe', () => {
    const on = null as unknown as AuthClient['on']
    const subscribe = (): void => {
      const off = on('signedOut', (payload) => {
        expectTypeOf(payload.reason).toEqualTypeOf<SignedOutReason>()
      })
      expectTypeOf(off).toEqualTypeOf<() => void>()
      on('refreshFailed', (payload) => {
        expectTypeOf(payload.willRetry).toEqualTypeOf<boolean>()
        expectTypeOf(payload.retryInMs).toEqualTypeOf<number | undefined>()
      })
      // @ts-expect-error unknown event name
      on('signedInn', () => undefined)
    }
    expectTypeOf(subscribe).toBeFunction()
  })
})

describe('public types: the db-interface', () => {
  it('createDbInterface takes an optional options object with timeoutMs only', () => {
    expectTypeOf<Parameters<typeof createDbInterface>[1]>().toEqualTypeOf<DbInterfaceOptions | undefined>()
    expectTypeOf<DbInterfaceOptions['timeoutMs']>().toEqualTypeOf<number | undefined>()
    const make = (auth: AuthClient): void => {
      createDbInterface(auth)
      createDbInterface(auth, { timeoutMs: 0 })
      // @ts-expect-error unknown option
      createDbInterface(auth, { timeout: 5_000 })
    }
    expectTypeOf(make).toBeFunction()
  })
})
