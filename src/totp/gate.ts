/**
 * The `authRule` gate, as pure string work. PocketBase evaluates a collection's `authRule` on every
 * auth-with-* request and on auth-refresh. The gate lets a record authenticate when
 *
 * 1. the request carries the gate header (`@request.headers.x_pocketbase_auth_gate`: only the backend that holds
 *    the secret, and so checks the TOTP code, sends it), or
 * 2. the record has no TOTP (`totpSecret = ""`), or
 * 3. the request is already authenticated as that very record (`@request.auth.id = id`): an auth-refresh, whose
 *    token was issued through the gate or before enrollment (enrollment rotates the record's token key, so none
 *    of those survive). Holding a valid token of the record already is everything a sign-in would give.
 *
 * The gate is ANDed with the collection's own rule, never replacing it.
 * @module
 */
import { TOTP_FIELDS } from './schema.js'

const HEADER = '@request.headers.x_pocketbase_auth_gate'

/**
 * The gate clause for a secret and collection.
 *
 * @param gateSecret - 32+ characters of `[A-Za-z0-9_-]` (checked by `createTotp`; safe inside `"…"`)
 * @param collectionId - the id of the gated collection
 * @returns the clause, in parentheses
 */
export function gateClause(gateSecret: string, collectionId: string): string {
  return (
    `(${HEADER} = "${gateSecret}" || ${TOTP_FIELDS.secret} = "" || ` +
    `(@request.auth.id = id && @request.auth.collectionId = "${collectionId}"))`
  )
}

/** Any gate clause this package wrote, whatever its secret (for a secret rotation). */
const ANY_GATE = new RegExp(
  String.raw`\(${escape(HEADER)} = "[\w-]+" \|\| ${TOTP_FIELDS.secret} = "" \|\| ` +
    String.raw`\(@request\.auth\.id = id && @request\.auth\.collectionId = "[\w-]+"\)\)`,
)

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** What `install()` must do to a collection's `authRule`. */
export type RulePlan =
  | { readonly change: false; readonly why: 'gated' | 'nobody-may-authenticate' }
  | { readonly change: true; readonly rule: string; readonly why: 'add-gate' | 'replace-gate' }

/**
 * Plans the new `authRule`: the gate ANDed with the existing rule, or a replaced gate clause (a new secret).
 *
 * @param current - the collection's `authRule` (`null`: nobody may authenticate; `''`: everybody may)
 * @param gateSecret - the gate secret
 * @param collectionId - the collection's id
 * @returns whether to change the rule, the new rule, and why
 */
export function planAuthRule(current: string | null, gateSecret: string, collectionId: string): RulePlan {
  const clause = gateClause(gateSecret, collectionId)
  if (current === null) return { change: false, why: 'nobody-may-authenticate' }
  if (current.includes(clause)) return { change: false, why: 'gated' }
  if (ANY_GATE.test(current))
    return { change: true, rule: current.replace(ANY_GATE, clause), why: 'replace-gate' }
  const trimmed = current.trim()
  return { change: true, rule: trimmed === '' ? clause : `(${trimmed}) && ${clause}`, why: 'add-gate' }
}

/**
 * A rule with every gate secret in it replaced by `[redacted]`, for anything shown or logged.
 *
 * @param rule - an `authRule`
 * @returns the rule without the secret
 */
export function redactGate(rule: string): string {
  return rule.replace(/(x_pocketbase_auth_gate\s*=\s*)"[^"]*"/g, '$1"[redacted]"')
}
