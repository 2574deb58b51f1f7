/**
 * Small type guards that turn untrusted values (`unknown` response bodies, options) into types.
 * The core entry uses these instead of a schema library to stay inside its bundle budget (see README,
 * "Bundle size"); each guard is a plain check with no coercion.
 */

/**
 * A non-null, non-array object.
 *
 * @param value - anything
 * @returns whether `value` is such an object
 */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A string with at least one character.
 *
 * @param value - anything
 * @returns whether `value` is such a string
 */
export function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0
}

/**
 * An object that has a function under each of `names`.
 *
 * @param value - anything
 * @param names - the method names to look for
 * @returns whether `value` is a non-array object with a function under every name
 */
export function hasMethods(value: unknown, names: readonly string[]): boolean {
  return isObject(value) && names.every((name) => typeof value[name] === 'function')
}

/**
 * The string at `value[key]`, or `''`.
 *
 * @param value - the object to read
 * @param key - the property to read
 * @returns the string, or `''` when the property is not a string
 */
export function stringAt(value: Record<string, unknown>, key: string): string {
  const found = value[key]
  return typeof found === 'string' ? found : ''
}
