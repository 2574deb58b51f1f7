/**
 * What `install()` adds to PocketBase: three hidden fields on the auth collection, and a superuser-only base
 * collection of claims whose unique index (record, key) is the one atomic step PocketBase's API offers.
 * @module
 */

/** The hidden fields on each record of the TOTP collection. */
export const TOTP_FIELDS = Object.freeze({
  /** The active secret, sealed (JWE). Empty: TOTP is off for the record, and the gate lets it through. */
  secret: 'totpSecret',
  /** A secret from `beginEnrollment` waiting for `confirmEnrollment`, sealed, with a 15-minute expiry. */
  pending: 'totpPending',
  /** The recovery codes' HMACs, as a JSON array of hex strings. */
  recovery: 'totpRecovery',
})

/** One field definition as PocketBase's collection API takes it. */
export type FieldDefinition = Readonly<Record<string, unknown>> & {
  readonly name: string
  readonly type: string
}

/**
 * The hidden text fields `install()` adds (hidden: only superusers read them, and only superusers may write them:
 * a user cannot clear their own `totpSecret`).
 *
 * @returns the three field definitions
 */
export function totpFieldDefinitions(): FieldDefinition[] {
  return Object.values(TOTP_FIELDS).map((name) => ({ name, type: 'text', hidden: true, max: 10_000 }))
}

/**
 * The claims collection: superuser-only rules, a relation to the auth collection that deletes a record's claims
 * with the record, and the unique (record, key) index that makes each claim happen at most once.
 *
 * @param name - the claims collection's name
 * @param authCollectionId - the id of the TOTP auth collection
 * @returns the body of `POST /api/collections`
 */
export function claimsCollectionDefinition(name: string, authCollectionId: string): Record<string, unknown> {
  return {
    name,
    type: 'base',
    listRule: null,
    viewRule: null,
    createRule: null,
    updateRule: null,
    deleteRule: null,
    fields: [
      {
        name: 'record',
        type: 'relation',
        collectionId: authCollectionId,
        maxSelect: 1,
        required: true,
        cascadeDelete: true,
      },
      { name: 'key', type: 'text', required: true, max: 200 },
      { name: 'at', type: 'number' },
    ],
    indexes: [`CREATE UNIQUE INDEX idx_${name}_record_key ON ${name} (record, \`key\`)`],
  }
}
