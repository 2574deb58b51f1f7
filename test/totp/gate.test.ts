import { describe, expect, it } from 'vitest'
import { gateClause, planAuthRule, redactGate } from '../../src/totp/gate.js'

const SECRET = 'g'.repeat(40)
const NEW_SECRET = 'h'.repeat(40)
const clause = gateClause(SECRET, '_pb_users_auth_')

describe('the authRule gate', () => {
  it('reads the header, the empty secret and the record’s own token', () => {
    expect(clause).toBe(
      `(@request.headers.x_pocketbase_auth_gate = "${SECRET}" || totpSecret = "" || ` +
        '(@request.auth.id = id && @request.auth.collectionId = "_pb_users_auth_"))',
    )
  })

  it('an empty rule becomes the gate alone', () => {
    expect(planAuthRule('', SECRET, '_pb_users_auth_')).toEqual({
      change: true,
      rule: clause,
      why: 'add-gate',
    })
    expect(planAuthRule('   ', SECRET, '_pb_users_auth_')).toMatchObject({ rule: clause })
  })

  it('an existing rule is kept and ANDed with the gate, in parentheses', () => {
    const plan = planAuthRule('verified = true || role = "admin"', SECRET, '_pb_users_auth_')
    expect(plan).toEqual({
      change: true,
      rule: `(verified = true || role = "admin") && ${clause}`,
      why: 'add-gate',
    })
  })

  it('is idempotent: a rule that holds this gate is left alone', () => {
    const once = planAuthRule('verified = true', SECRET, '_pb_users_auth_')
    if (!once.change) throw new Error('expected a change')
    expect(planAuthRule(once.rule, SECRET, '_pb_users_auth_')).toEqual({ change: false, why: 'gated' })
  })

  it('a gate with another secret is replaced in place, the rest of the rule kept', () => {
    const old = planAuthRule('verified = true', NEW_SECRET, '_pb_users_auth_')
    if (!old.change) throw new Error('expected a change')
    const plan = planAuthRule(old.rule, SECRET, '_pb_users_auth_')
    expect(plan).toEqual({ change: true, rule: `(verified = true) && ${clause}`, why: 'replace-gate' })
  })

  it('a null rule (nobody may authenticate) is not changed', () => {
    expect(planAuthRule(null, SECRET, 'x')).toEqual({ change: false, why: 'nobody-may-authenticate' })
  })

  it('redacts the secret for display', () => {
    expect(redactGate(`(a = 1) && ${clause}`)).not.toContain(SECRET)
    expect(redactGate(clause)).toContain('x_pocketbase_auth_gate = "[redacted]"')
  })
})
