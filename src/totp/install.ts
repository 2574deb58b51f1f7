/**
 * `install()`: the hidden fields, the claims collection and the `authRule` gate, idempotently.
 * @module
 */
import * as z from 'zod/mini'
import { ConfigError, isAuthError, type Logger } from '../index.js'
import { parseBody, type Superuser } from '../admin/superuser.js'
import { planAuthRule } from './gate.js'
import { claimsCollectionDefinition, totpFieldDefinitions } from './schema.js'

/** Options of `install()`. */
export interface InstallOptions {
  /**
   * Allow changing the collection's `authRule`. PocketBase then invalidates **every** token of the collection
   * (sessions, API keys, impersonated children): everyone signs in again. Without it, `install()` refuses to
   * change the rule and changes nothing. @default false
   */
  invalidateAllTokens?: boolean
}

/** What `install()` did; all empty / `false` when everything was in place already. */
export interface InstallResult {
  /** Hidden fields added to the collection. */
  readonly fieldsAdded: readonly string[]
  /** Existing TOTP fields that were visible and are now hidden. */
  readonly fieldsHidden: readonly string[]
  /** Whether the claims collection was created. */
  readonly claimsCollectionCreated: boolean
  /** Whether `authRule` changed (and so every token of the collection was invalidated). */
  readonly ruleChanged: boolean
  /** Why the rule did or did not change. */
  readonly rule: 'gated' | 'nobody-may-authenticate' | 'add-gate' | 'replace-gate'
}

/** What install reads and writes with. */
export interface InstallContext {
  readonly superuser: Superuser
  readonly collection: string
  readonly claimsCollection: string
  readonly gateSecret: string
  readonly logger: Logger
}

const fieldSchema = z.looseObject({ name: z.string(), type: z.string(), hidden: z.optional(z.boolean()) })
const collectionSchema = z.object({
  id: z.string(),
  type: z.string(),
  authRule: z.optional(z.nullable(z.string())),
  fields: z.array(fieldSchema),
})

type Field = z.output<typeof fieldSchema>

/**
 * Sets up TOTP on the collection. Every check runs before the first write.
 *
 * @param context - the superuser, collections, gate secret and logger
 * @param options - see {@link InstallOptions}
 * @returns what changed
 * @throws {ConfigError} `config_invalid` when the collection is not an auth collection, a TOTP field exists with
 * another type, the claims collection exists with another shape, or the rule must change and
 * `invalidateAllTokens` is not `true`.
 */
export async function install(context: InstallContext, options: InstallOptions = {}): Promise<InstallResult> {
  const { superuser, collection } = context
  const path = `/api/collections/${encodeURIComponent(collection)}`
  const response = await superuser.send({ method: 'GET', path })
  const current = parseBody(collectionSchema, response.body, `GET ${path}`, response)
  if (current.type !== 'auth') throw invalid('collection', `"${collection}" must be an auth collection`)

  const fields: Field[] = [...current.fields]
  const fieldsAdded: string[] = []
  const fieldsHidden: string[] = []
  for (const wanted of totpFieldDefinitions()) {
    const index = fields.findIndex((field) => field.name === wanted.name)
    const existing = fields[index]
    if (existing === undefined) {
      fields.push({ ...wanted })
      fieldsAdded.push(wanted.name)
    } else if (existing.type !== 'text') {
      throw invalid(`${collection}.${wanted.name}`, 'exists but is not a text field; rename or remove it')
    } else if (existing.hidden !== true) {
      fields[index] = { ...existing, hidden: true }
      fieldsHidden.push(wanted.name)
    }
  }
  const plan = planAuthRule(current.authRule ?? '', context.gateSecret, current.id)
  if (plan.change && options.invalidateAllTokens !== true) {
    throw invalid(
      'options.invalidateAllTokens',
      `must be true to change the authRule of "${collection}": PocketBase then invalidates every token of the collection`,
    )
  }
  const claimsCollectionCreated = await ensureClaimsCollection(context, current.id)
  const body: Record<string, unknown> = {}
  if (fieldsAdded.length > 0 || fieldsHidden.length > 0) body.fields = fields
  if (plan.change) body.authRule = plan.rule
  if (Object.keys(body).length > 0)
    await superuser.send({ method: 'PATCH', path, body, query: { fields: 'id' } })
  const result = {
    fieldsAdded,
    fieldsHidden,
    claimsCollectionCreated,
    ruleChanged: plan.change,
    rule: plan.why,
  }
  context.logger.info('TOTP install', {
    collection,
    fieldsAdded: fieldsAdded.join(','),
    claimsCollectionCreated,
    ruleChanged: plan.change,
    rule: plan.why,
  })
  if (plan.why === 'nobody-may-authenticate') {
    context.logger.warn('TOTP install: authRule is null (nobody may authenticate); the gate was not added', {
      collection,
    })
  }
  return result
}

const claimsShape = z.object({ type: z.string(), fields: z.array(fieldSchema), indexes: z.array(z.string()) })

async function ensureClaimsCollection(context: InstallContext, authCollectionId: string): Promise<boolean> {
  const { superuser, claimsCollection } = context
  const path = `/api/collections/${encodeURIComponent(claimsCollection)}`
  try {
    const response = await superuser.send({ method: 'GET', path })
    const existing = parseBody(claimsShape, response.body, `GET ${path}`, response)
    const names = new Set(existing.fields.map((field) => field.name))
    const unique = existing.indexes.some((index) => /unique/i.test(index) && index.includes('record'))
    if (existing.type !== 'base' || !['record', 'key', 'at'].every((name) => names.has(name)) || !unique) {
      throw invalid('claimsCollection', `"${claimsCollection}" exists with another shape; name another one`)
    }
    return false
  } catch (error) {
    if (!isAuthError(error) || error.code !== 'not_found') throw error
  }
  const definition = claimsCollectionDefinition(claimsCollection, authCollectionId)
  await superuser.send({
    method: 'POST',
    path: '/api/collections',
    body: definition,
    query: { fields: 'id' },
  })
  return true
}

function invalid(path: string, message: string): ConfigError {
  return new ConfigError([{ path, message }], 'TOTP install')
}
