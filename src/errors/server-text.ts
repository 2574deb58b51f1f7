/**
 * Text that came from a server or an OAuth2 provider (a `message`, a field error, a provider's `error`) is cut
 * to a bounded length before anything else looks at it, and loses its control characters before it reaches an
 * error message: a hostile or broken server can neither stall the event loop with a huge string nor forge log
 * lines or terminal colours.
 * @module
 */

/**
 * The most characters (UTF-16 code units) of one server or provider text kept for a message or a field error;
 * the rest is cut and replaced by `…`. PocketBase's own messages are under 120 characters.
 */
export const MAX_SERVER_TEXT_LENGTH = 500

/**
 * ANSI CSI sequences (`ESC [ … final`), removed whole so no `[31m` is left behind. Three disjoint character
 * classes in a row: no backtracking, linear in the input.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANSI_CSI = /\x1b\[[0-?]*[ -/]*[@-~]/g

/**
 * C0 controls (CR, LF, TAB, ESC…), DEL, C1 controls, the Unicode line and paragraph separators and the
 * bidirectional overrides: anything that can break a log line or change how the text around it is shown.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/** A line break (CRLF counts as one) or a tab: becomes one space, so the words around it stay apart. */
const LINE_BREAKS = /\r\n|[\t\n\r\u2028\u2029]/g

/**
 * Removes every control character (see {@link CONTROL_CHARACTERS}) and ANSI escape sequence. Linear in the length
 * of `text`; a line break or tab becomes one space, anything else disappears.
 *
 * @param text - any text
 * @returns the text without control characters
 */
export function stripControlCharacters(text: string): string {
  return text.replace(ANSI_CSI, '').replace(LINE_BREAKS, ' ').replace(CONTROL_CHARACTERS, '')
}

/**
 * Makes server or provider text safe for a message: cut to `maxLength` first (so nothing later runs over an
 * unbounded string), then stripped of control characters.
 *
 * @param text - the untrusted text
 * @param maxLength - the most characters to keep (default {@link MAX_SERVER_TEXT_LENGTH}); longer text ends
 * with `…`
 * @returns at most `maxLength + 1` characters, without control characters
 */
export function cleanServerText(text: string, maxLength = MAX_SERVER_TEXT_LENGTH): string {
  if (text.length <= maxLength) return stripControlCharacters(text)
  let cut = text.slice(0, maxLength)
  // Do not leave half of a surrogate pair at the end.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1)
  return `${stripControlCharacters(cut)}…`
}
