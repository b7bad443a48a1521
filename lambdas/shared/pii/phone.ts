import { type Candidate, isDigitAt, isWordCharAt, LATIN_LETTER, matchesOf, Specificity } from './candidate';

/**
 * Phone numbers, in four shapes:
 * - international: `+44 20 7946 0958`, `+1 (415) 555-0132`, `(+44) 20 7946 0958`, `0049 30 12345678`,
 *   `+447911123456`; the country code must exist and the number must have 8 to 15 digits (E.164); `+1`
 *   and `+7` numbers must have their national length;
 * - North American: `(415) 555-0132`, `415-555-0132`, `415.555.0132`, `1-800-555-0199`, with valid
 *   area code and exchange (first digit 2-9) and one separator style;
 * - national numbers with a trunk `0` (most of Europe, the UK, Australia): `020 7946 0958`,
 *   `06 12 34 56 78`, `030/12345678`, `08-123 456 78`; 9 to 12 digits, one separator style after the
 *   area code;
 * - any 7 to 15 digits right after a phone label in one of several languages (`Tel.:`, `mobile`,
 *   `Telefon`, `teléfono`, `portable` …), which catches local forms such as Spanish `612 34 56 78`.
 * Dates, times, version numbers and bare digit runs (order numbers) have none of these shapes, and a
 * shape right after another digit group (`… 3704 0044 0532 0130`) is the tail of a longer number.
 */
export function findPhones(text: string): Candidate[] {
  return [...international(text), ...northAmerican(text), ...trunkPrefixed(text), ...labelled(text)];
}

const phone = (start: number, end: number): Candidate => ({ kind: 'phone', start, end, specificity: Specificity.shape });

const digitsOf = (value: string): string => value.replace(/\D/g, '');

/**
 * `+`, `00` or a bracketed `(+44)`, then digit groups split by one space, dot or hyphen or by a
 * parenthesised area code.
 */
const INTERNATIONAL =
  /(?<![\w+./-]|\d[ .-])(?:\(\+[1-9]\d{0,2}\)|(?:\+|00)[1-9]\d{0,14})(?:(?: ?\(\d{1,4}\) ?|[ .-])\d{1,14}){0,7}(?![\w(]|[ .-]?\d)/g;

function* international(text: string): Generator<Candidate> {
  for (const match of matchesOf(INTERNATIONAL, text)) {
    const digits = digitsOf(match[0].replace(/\(0\)/, '')).replace(/^00/, ''); // "(0)" is the trunk prefix
    if (isE164(digits)) yield phone(match.index!, match.index! + match[0].length);
  }
}

/** Country calling codes (ITU-T E.164) of two digits; the rest are one digit (1, 7) or three. */
const TWO_DIGIT_CODES = new Set([
  20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62,
  63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
]);
/** Two-digit prefixes under which no three-digit code exists. */
const UNASSIGNED_THREE_DIGIT_PREFIXES = new Set([28, 80, 83, 89]);

/** True for a plausible E.164 number: a real country code and a national number of a sane length. */
export function isE164(digits: string): boolean {
  if (digits.length < 8 || digits.length > 15 || digits[0] === '0') return false;
  if (digits[0] === '1') return isNanp(digits.slice(1));
  if (digits[0] === '7') return digits.length === 11;
  const two = Number(digits.slice(0, 2));
  if (TWO_DIGIT_CODES.has(two)) return digits.length - 2 >= 6;
  return !UNASSIGNED_THREE_DIGIT_PREFIXES.has(two) && digits.length - 3 >= 5;
}

/** A North American number without the `1`: area code and exchange both start with 2-9. */
function isNanp(national: string): boolean {
  return /^[2-9]\d\d[2-9]\d{6}$/.test(national);
}

/** Optional `1`, then `(415) 555-0132` or `415-555-0132` with one separator style. */
const NORTH_AMERICAN = /(?<![\w+./-]|\d[ .-])(?:1[ .-]?)?(?:\([2-9]\d\d\) ?[2-9]\d\d[ .-]|[2-9]\d\d([ .-])[2-9]\d\d\1)\d{4}(?![\w]|[.-]\d)/g;

function* northAmerican(text: string): Generator<Candidate> {
  for (const match of matchesOf(NORTH_AMERICAN, text)) yield phone(match.index!, match.index! + match[0].length);
}

/** A trunk `0` and an area code (never starting with 0: `00` is the international prefix), then groups. */
const TRUNK_PREFIXED = /(?<![\w+.,/-]|\d[ .-])(?:\(0[1-9]\d{0,3}\)|0[1-9]\d{0,3})(?:[ ./-]\d+){1,6}/g;

/**
 * National numbers: of the groups the expression matched, the longest leading run that has one separator
 * style after the area code, groups of at least two digits, 9 to 12 digits in all and an end that is not
 * inside a number.
 */
function* trunkPrefixed(text: string): Generator<Candidate> {
  for (const match of matchesOf(TRUNK_PREFIXED, text)) {
    const start = match.index!;
    const groups = [...match[0].matchAll(/([ ./-]?)(\(?\d+\)?)/g)];
    let end: number | undefined;
    let digits = 0;
    let offset = start;
    for (const [index, group] of groups.entries()) {
      const [whole, separator, number] = group;
      if (index > 2 && separator !== groups[2][1]) break; // the area code may have its own: `08-123 456 78`
      if (index > 0 && number.length < 2) break;
      digits += digitsOf(number).length;
      offset += whole.length;
      if (digits > 12) break;
      if (index > 0 && digits >= 9 && !continuesNumber(text, offset)) end = offset;
    }
    if (end !== undefined) yield phone(start, end);
  }
}

/** True if the text at `offset` continues a number (`1.5`, `12,30`) or a word. */
function continuesNumber(text: string, offset: number): boolean {
  return isWordCharAt(text, offset) || ('.,/:-'.includes(text[offset] ?? ' ') && isDigitAt(text, offset + 1));
}

/** A phone label in English, German, French, Spanish, Italian, Dutch or Portuguese, then up to 20 non-digits. */
const LABELLED = new RegExp(
  String.raw`(?<![${LATIN_LETTER}])(?:phone|telephone|tel|tél|téléphone|mobile|mobil|mob|cell|cellphone|fax|whatsapp|sms|` +
    String.raw`call me|call us|text me|ring me|telefon|telefonnummer|handy|rufnummer|portable|appelez|` +
    String.raw`teléfono|telefono|móvil|movil|cellulare|telefoon|mobiel|gsm|telemóvel|celular)(?![${LATIN_LETTER}])` +
    String.raw`[^\d\n+(]{0,20}(\+?\(?\d(?:[ .()/-]{0,2}\d){6,14})(?![\d${LATIN_LETTER}])`,
  'gi',
);

function* labelled(text: string): Generator<Candidate> {
  for (const match of matchesOf(LABELLED, text)) {
    const number = match[1];
    if (looksLikeDateOrTime(number)) continue;
    const end = match.index! + match[0].length;
    yield phone(end - number.length, end);
  }
}

/** `2024-01-15`, `15.01.2024`, `01/15/24`, `2024-01-15 10:30`. */
function looksLikeDateOrTime(value: string): boolean {
  return /^\d{4}[./-]\d{1,2}[./-]\d{1,2}\b|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b/.test(value);
}
