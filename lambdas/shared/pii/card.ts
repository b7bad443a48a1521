import { type Candidate, isDigitAt, isWordCharAt, matchesOf, Specificity } from './candidate';

/**
 * Payment card numbers: 13 to 19 digits, compact or in groups of 3 to 6 digits split by one space or
 * hyphen style, whose issuer prefix (IIN) and length fit a card network and whose Luhn check passes.
 * A run of groups (`4111 1111 1111 1111 12/27`) is searched for the card inside it.
 */
export function findCards(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(DIGIT_GROUPS, text)) {
    if (match[0].length < 13) continue;
    const runEnd = match.index + match[0].length;
    for (let first = match.index; first < runEnd; first = groupEnd(text, first) + 1) {
      const card = longestCardFrom(text, first, runEnd);
      if (card) found.push(card);
    }
  }
  return found;
}

/** Digit runs joined by single spaces or hyphens, not inside a word or a decimal number. */
const DIGIT_GROUPS = /(?<![\w.,/-])\d+(?:[ -]\d+)*/g;

/** Where the digit group starting at `start` ends. */
function groupEnd(text: string, start: number): number {
  let end = start;
  while (isDigitAt(text, end)) end += 1;
  return end;
}

/**
 * The longest card number made of the groups from `first` on (up to `runEnd`), or undefined. Grouped
 * numbers have groups of 3 to 6 digits and one separator style.
 */
function longestCardFrom(text: string, first: number, runEnd: number): Candidate | undefined {
  const firstEnd = groupEnd(text, first);
  let digits = text.slice(first, firstEnd);
  let card = cardAt(text, first, firstEnd, digits);
  const separator = text[firstEnd];
  if (!fitsCardGroup(firstEnd - first)) return card;
  for (let start = firstEnd + 1; start < runEnd && text[start - 1] === separator; ) {
    const end = groupEnd(text, start);
    if (!fitsCardGroup(end - start)) break;
    digits += text.slice(start, end);
    if (digits.length > 19) break;
    card = cardAt(text, first, end, digits) ?? card;
    start = end + 1;
  }
  return card;
}

function fitsCardGroup(size: number): boolean {
  return size >= 3 && size <= 6;
}

function cardAt(text: string, start: number, end: number, digits: string): Candidate | undefined {
  if (digits.length < 13 || digits.length > 19 || endsInsideNumber(text, end) || !isCardNumber(digits)) return undefined;
  return { kind: 'card', start, end, specificity: Specificity.checked };
}

function endsInsideNumber(text: string, end: number): boolean {
  return isWordCharAt(text, end) || ((text[end] === '.' || text[end] === ',') && isDigitAt(text, end + 1));
}

/** True if `digits` has a card network's prefix and length and passes the Luhn check. */
export function isCardNumber(digits: string): boolean {
  return luhnValid(digits) && hasIssuerPrefix(digits);
}

/** A card network's issuer prefixes and number lengths. */
interface Network {
  readonly name: string;
  /** Inclusive prefix ranges, compared on the first `low.length` digits. */
  readonly ranges: ReadonlyArray<readonly [low: string, high: string]>;
  readonly lengths: readonly number[];
}

const SIXTEEN_TO_NINETEEN = [16, 17, 18, 19];

const NETWORKS: readonly Network[] = [
  { name: 'Visa', ranges: [['4', '4']], lengths: [13, 16, 19] },
  { name: 'Mastercard', ranges: [['51', '55'], ['2221', '2720']], lengths: [16] },
  { name: 'American Express', ranges: [['34', '34'], ['37', '37']], lengths: [15] },
  { name: 'Discover', ranges: [['6011', '6011'], ['644', '649'], ['65', '65'], ['622126', '622925']], lengths: SIXTEEN_TO_NINETEEN },
  { name: 'Diners Club', ranges: [['300', '305'], ['3095', '3095'], ['36', '36'], ['38', '39']], lengths: [14, 15, ...SIXTEEN_TO_NINETEEN] },
  { name: 'JCB', ranges: [['3528', '3589']], lengths: SIXTEEN_TO_NINETEEN },
  { name: 'UnionPay', ranges: [['62', '62']], lengths: SIXTEEN_TO_NINETEEN },
  {
    name: 'Maestro',
    ranges: [['5018', '5018'], ['5020', '5020'], ['5038', '5038'], ['5893', '5893'], ['6304', '6304'], ['6759', '6759'], ['6761', '6763']],
    lengths: [13, 14, 15, ...SIXTEEN_TO_NINETEEN],
  },
  { name: 'Mir', ranges: [['2200', '2204']], lengths: SIXTEEN_TO_NINETEEN },
  { name: 'RuPay', ranges: [['60', '60'], ['652', '652']], lengths: [16] },
];

/** True if a card network issues numbers of this prefix and length. */
export function hasIssuerPrefix(digits: string): boolean {
  return NETWORKS.some(
    (network) =>
      network.lengths.includes(digits.length) &&
      network.ranges.some(([low, high]) => {
        const prefix = digits.slice(0, low.length);
        return prefix >= low && prefix <= high;
      }),
  );
}

/** The Luhn (mod 10) check of ISO/IEC 7812. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
