/**
 * App settings through the superuser: a test mail (does SMTP work?) and the rate limiter's rules.
 * @module
 */
import * as z from 'zod/mini'
import { ConfigError } from '../index.js'
import { parseBody, type Superuser } from './superuser.js'

/** The mail templates PocketBase can send as a test. */
export type TestEmailTemplate = 'verification' | 'password-reset' | 'email-change' | 'otp' | 'login-alert'

/** Options of `testEmail`. */
export interface TestEmailOptions {
  /** Which template to send. @default 'verification' */
  template?: TestEmailTemplate
  /** Whose template (an auth collection). @default '_superusers' */
  collection?: string
}

/** One rule of PocketBase's rate limiter. */
export interface RateLimitRule {
  /** What it applies to: `*:auth`, `users:authWithPassword`, `/api/`, … */
  label: string
  /** Requests allowed per `duration`. */
  maxRequests: number
  /** The window, in seconds. */
  duration: number
  /** `''` everyone, `'@guest'` or `'@auth'`. @default '' */
  audience?: '' | '@guest' | '@auth'
}

/** Options of `setRateLimits`. */
export interface SetRateLimitsOptions {
  /** Turn the limiter on (rules do nothing while it is off). @default true */
  enabled?: boolean
}

const rateLimitsSchema = z.object({
  rateLimits: z.object({
    enabled: z.boolean(),
    rules: z.array(
      z.object({ label: z.string(), maxRequests: z.number(), duration: z.number(), audience: z.string() }),
    ),
  }),
})

/** The rate limiter as `setRateLimits` returns it. */
export type RateLimits = z.output<typeof rateLimitsSchema>['rateLimits']

const TEMPLATES: readonly string[] = ['verification', 'password-reset', 'email-change', 'otp', 'login-alert']

/**
 * Sends a test mail through PocketBase's SMTP settings.
 *
 * @param superuser - the checked superuser
 * @param to - the address
 * @param options - see {@link TestEmailOptions}
 * @throws {ConfigError} `config_invalid` for an address or template that is not valid, before any request.
 * @throws {ValidationError} `validation_failed` when PocketBase could not send it (its reason, never the SMTP
 * password, is in the message).
 */
export async function testEmail(
  superuser: Superuser,
  to: string,
  options: TestEmailOptions = {},
): Promise<void> {
  const template = options.template ?? 'verification'
  const issues = []
  if (typeof to !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(to))
    issues.push({ path: 'to', message: 'must be an email address' })
  if (!TEMPLATES.includes(template))
    issues.push({ path: 'options.template', message: `must be one of ${TEMPLATES.join(', ')}` })
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to testEmail')
  await superuser.send({
    method: 'POST',
    path: '/api/settings/test/email',
    body: { email: to, template, collection: options.collection ?? '_superusers' },
  })
}

/**
 * Replaces the rate limiter's rules (and turns it on, unless told otherwise).
 *
 * @param superuser - the checked superuser
 * @param rules - the new rules, all of them
 * @param options - see {@link SetRateLimitsOptions}
 * @returns the limiter as PocketBase now has it
 * @throws {ConfigError} `config_invalid` for a rule that is not an object with a label, a whole `maxRequests`
 * of 1 or more and a whole `duration` of 1 or more, before any request.
 * @throws {ValidationError} `validation_failed` when PocketBase refuses a rule (e.g. a label it does not know),
 * with the field, e.g. `rateLimits.rules.0.label`.
 */
export async function setRateLimits(
  superuser: Superuser,
  rules: readonly RateLimitRule[],
  options: SetRateLimitsOptions = {},
): Promise<RateLimits> {
  const issues: { path: string; message: string }[] = []
  if (!Array.isArray(rules)) issues.push({ path: 'rules', message: 'must be a list of rules' })
  else {
    rules.forEach((rule: Partial<RateLimitRule> | null, index) => {
      const whole = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 1
      if (typeof rule?.label !== 'string' || rule.label === '')
        issues.push({ path: `rules.${index}.label`, message: 'must be a non-empty string' })
      if (!whole(rule?.maxRequests))
        issues.push({ path: `rules.${index}.maxRequests`, message: 'must be a whole number, 1 or more' })
      if (!whole(rule?.duration))
        issues.push({
          path: `rules.${index}.duration`,
          message: 'must be a whole number of seconds, 1 or more',
        })
    })
  }
  if (issues.length > 0) throw new ConfigError(issues, 'Invalid arguments to setRateLimits')
  const body = {
    rateLimits: {
      enabled: options.enabled ?? true,
      rules: rules.map((rule) => ({ ...rule, audience: rule.audience ?? '' })),
    },
  }
  const response = await superuser.send({ method: 'PATCH', path: '/api/settings', body })
  return parseBody(rateLimitsSchema, response.body, 'PATCH /api/settings', response).rateLimits
}
