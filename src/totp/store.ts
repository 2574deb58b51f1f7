/**
 * What TOTP reads and writes in PocketBase, as the superuser: a record's hidden TOTP fields, and its claims.
 *
 * A claim is a row (record, key) in the claims collection; the unique index on (record, key) makes creating one
 * an atomic insert-if-absent across every process and machine: the compare-and-swap PocketBase's API lacks (its
 * record update checks rules and applies `field+` modifiers on a copy read before the write, and superusers
 * bypass rules).
 * @module
 */
import * as z from 'zod/mini'
import { collectionPath } from '../kit.js'
import { isAuthError, ValidationError } from '../index.js'
import { parseBody, type Superuser } from '../admin/superuser.js'
import { TOTP_FIELDS } from './schema.js'

/** A record's TOTP state, as stored. */
export interface StoredTotp {
  readonly recordId: string
  /** What the `otpauth://` label shows: the email, else the username, else the id. */
  readonly label: string
  /** Sealed active secret; `''` when TOTP is off. */
  readonly secret: string
  /** Sealed pending secret; `''` when no enrollment waits. */
  readonly pending: string
  /** HMACs of the recovery codes handed out at enrollment. */
  readonly recoveryHashes: readonly string[]
}

/** One claim row. */
export interface Claim {
  readonly id: string
  readonly key: string
  /** Epoch ms of the claim (for failure slots and `mfaId`s). */
  readonly at: number
}

const recordSchema = z.object({
  id: z.string(),
  email: z.optional(z.string()),
  username: z.optional(z.string()),
  [TOTP_FIELDS.secret]: z.string(),
  [TOTP_FIELDS.pending]: z.string(),
  [TOTP_FIELDS.recovery]: z.string(),
})

const claimSchema = z.object({ id: z.string(), key: z.string(), at: z.number() })
const claimListSchema = z.object({ items: z.array(claimSchema) })
const recoveryHashesSchema = z.array(z.string())

/** Record ids go into filters and paths: PocketBase's own alphabet only, so nothing needs escaping. */
export const RECORD_ID = /^[\w-]{1,100}$/

/** Reads and writes TOTP state and claims for one collection. */
export class TotpStore {
  readonly #su: Superuser
  readonly #collection: string
  readonly #claims: string

  /**
   * @param superuser - the checked superuser client
   * @param collection - the TOTP auth collection
   * @param claimsCollection - its claims collection
   */
  constructor(superuser: Superuser, collection: string, claimsCollection: string) {
    this.#su = superuser
    this.#collection = collection
    this.#claims = claimsCollection
  }

  /**
   * A record's TOTP fields.
   *
   * @param recordId - the record
   * @returns its stored state
   * @throws {NotFoundError} `not_found` for an unknown record.
   * @throws {UnexpectedResponseError} `unexpected_response` when the TOTP fields are missing (run `install()`).
   */
  async load(recordId: string): Promise<StoredTotp> {
    const path = collectionPath(this.#collection, `records/${recordId}`)
    const response = await this.#su.send({ method: 'GET', path })
    const record = parseBody(recordSchema, response.body, `GET ${path} (did install() run?)`, response)
    let recoveryHashes: string[] = []
    const recovery = record[TOTP_FIELDS.recovery]
    if (recovery !== '') {
      let json: unknown
      try {
        json = JSON.parse(recovery)
      } catch {
        json = undefined
      }
      recoveryHashes = parseBody(recoveryHashesSchema, json, `GET ${path}: field ${TOTP_FIELDS.recovery}`)
    }
    return {
      recordId: record.id,
      label: record.email || record.username || record.id,
      secret: record[TOTP_FIELDS.secret],
      pending: record[TOTP_FIELDS.pending],
      recoveryHashes,
    }
  }

  /**
   * Updates a record's fields in one request (PocketBase applies it atomically).
   *
   * @param recordId - the record
   * @param fields - the fields to set
   */
  async update(recordId: string, fields: Readonly<Record<string, string>>): Promise<void> {
    const path = collectionPath(this.#collection, `records/${recordId}`)
    await this.#su.send({ method: 'PATCH', path, body: fields, query: { fields: 'id' } })
  }

  /**
   * Every claim of a record.
   *
   * @param recordId - the record
   * @returns its claims (at most a few dozen: old ones are pruned)
   */
  async claimsOf(recordId: string): Promise<Claim[]> {
    const path = collectionPath(this.#claims, 'records')
    const response = await this.#su.send({
      method: 'GET',
      path,
      query: { filter: `record = "${recordId}"`, perPage: '500', skipTotal: '1', fields: 'id,key,at' },
    })
    return parseBody(claimListSchema, response.body, `GET ${path}`, response).items
  }

  /**
   * Claims `key` for a record: at most one caller, in any process, ever succeeds for the same pair.
   *
   * @param recordId - the record
   * @param key - what is claimed, e.g. `step:58127305`
   * @param at - epoch ms to store with it
   * @returns the new claim, or `undefined` when the pair was already claimed
   */
  async claim(recordId: string, key: string, at: number): Promise<Claim | undefined> {
    const path = collectionPath(this.#claims, 'records')
    try {
      const response = await this.#su.send({ method: 'POST', path, body: { record: recordId, key, at } })
      return parseBody(claimSchema, response.body, `POST ${path}`, response)
    } catch (error) {
      if (isTaken(error)) return undefined
      throw error
    }
  }

  /**
   * Deletes one claim by id.
   *
   * @param claimId - the claim row's id
   * @returns `false` when another caller deleted it first
   */
  async release(claimId: string): Promise<boolean> {
    try {
      await this.#su.send({ method: 'DELETE', path: collectionPath(this.#claims, `records/${claimId}`) })
      return true
    } catch (error) {
      if (isAuthError(error) && error.code === 'not_found') return false
      throw error
    }
  }
}

/** A create that hit the unique (record, key) index. */
function isTaken(error: unknown): boolean {
  return (
    error instanceof ValidationError &&
    Object.values(error.fieldErrors).some((fieldError) => fieldError.code === 'validation_not_unique')
  )
}
