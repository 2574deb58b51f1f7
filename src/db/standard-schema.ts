/** One problem reported by a Standard Schema validator. */
export interface SchemaIssue {
  readonly message: string
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined
}

/**
 * The Standard Schema v1 interface (implemented by zod, zod/mini, valibot, arktype): any of them can validate
 * records.
 */
export interface StandardSchemaV1<Output = unknown> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: Output; readonly issues?: undefined }
      | { readonly issues: ReadonlyArray<SchemaIssue> }
      | Promise<
          | { readonly value: Output; readonly issues?: undefined }
          | { readonly issues: ReadonlyArray<SchemaIssue> }
        >
  }
}

/**
 * Formats an issue path as `a.b.0`.
 *
 * @param issue - a Standard Schema issue
 * @returns the dotted path, or `(record)` when the issue has none
 */
export function formatIssuePath(issue: SchemaIssue): string {
  if (issue.path === undefined || issue.path.length === 0) return '(record)'
  return issue.path.map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.')
}
