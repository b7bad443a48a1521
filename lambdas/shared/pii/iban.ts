import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * IBANs: a country code, two check digits and the country's BBAN, compact (`DE89370400440532013000`) or
 * in groups split by single spaces (`DE89 3704 0044 0532 0130 00`). The length must be the country's
 * (SWIFT IBAN registry) and the ISO 7064 mod 97-10 check must give 1. An IBAN-shaped string whose check
 * fails is reported as a look-alike, so that its digits are not taken for a phone or card number.
 */
export function findIbans(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(IBAN_START, text)) {
    const length = IBAN_LENGTHS[match[1]];
    if (length === undefined) continue;
    const start = match.index!;
    const span = collectAlphanumerics(text, start, length);
    if (!span) continue;
    const valid = ibanChecksumValid(span.compact);
    found.push({ kind: valid ? 'iban' : 'lookalike', start, end: span.end, specificity: valid ? Specificity.checked : Specificity.lookalike });
  }
  return found;
}

const IBAN_START = /(?<![A-Za-z0-9])([A-Z]{2})\d{2}/g;

/** IBAN length per country, from the SWIFT IBAN registry. */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20,
  MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22,
  RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * Exactly `length` letters and digits from `start`, allowing one space between them, ending where no
 * letter or digit follows; undefined if the text has no such run.
 */
function collectAlphanumerics(text: string, start: number, length: number): { compact: string; end: number } | undefined {
  let compact = '';
  let index = start;
  while (compact.length < length && index < text.length) {
    const char = text[index];
    if (isAlphanumeric(char)) {
      compact += char.toUpperCase();
      index += 1;
    } else if (char === ' ' && compact.length > 0 && isAlphanumeric(text[index + 1] ?? '')) {
      index += 1;
    } else {
      return undefined;
    }
  }
  if (compact.length < length || isAlphanumeric(text[index] ?? '')) return undefined;
  return { compact, end: index };
}

function isAlphanumeric(char: string): boolean {
  const code = char.charCodeAt(0);
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** ISO 13616: move the first four characters to the end, letters to 10…35, and the number mod 97 is 1. */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

/** ISO 7064 mod 97-10 remainder of an alphanumeric string (letters count as 10…35). */
export function mod97(alphanumeric: string): number {
  let remainder = 0;
  for (const char of alphanumeric) {
    const value = Number.parseInt(char, 36);
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder;
}
