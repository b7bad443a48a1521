/**
 * The canonical form of a text, for fingerprints and for detection of look-alike characters: Unicode
 * NFKC (full-width digits and letters become ASCII, ligatures split, no-break spaces become spaces),
 * every line ending (`\r\n`, `\r`, U+0085, U+2028, U+2029) becomes `\n`, each run of other whitespace
 * becomes one space, spaces next to a line break are dropped, and the whole is trimmed.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .trim();
}
