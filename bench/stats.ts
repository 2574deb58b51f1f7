/** Small statistics and table helpers for the benchmarks. */

/** The `p`-th percentile (0-100) of `values` (nearest rank); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  return percentile(values, 50)
}

/** Formats milliseconds with a fixed precision. */
export function ms(value: number, digits = 3): string {
  return `${value.toFixed(digits)} ms`
}

/** Prints a titled table of rows (objects with the same keys) to stdout. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`)
  console.table(rows)
}

/** Resolves after `ms` milliseconds. */
export function sleep(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs))
}
