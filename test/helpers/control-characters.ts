/**
 * Whether `text` has a character that can forge a log line or drive a terminal: C0 controls (CR, LF, ESC…),
 * DEL, C1 controls, the Unicode line/paragraph separators, or a bidirectional override/isolate. Written with
 * code points rather than a regular expression, so it does not share the implementation it checks.
 */
export function hasControlCharacters(text: string): boolean {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true
    if (code === 0x2028 || code === 0x2029) return true
    if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true
  }
  return false
}
