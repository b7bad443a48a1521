import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * French social security numbers (NIR, `1 84 12 76 451 089 46` or compact): sex, year, month,
 * department (`2A`/`2B` for Corsica), commune, order number and a two-digit key equal to
 * 97 − (the first 13 digits mod 97), with 2A and 2B counted as 19 and 18.
 */
export function findFrenchNirs(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(NIR, text)) {
    if (isValidNir(match[0])) {
      found.push({ kind: 'national-id', start: match.index!, end: match.index! + match[0].length, specificity: Specificity.checked });
    }
  }
  return found;
}

/** Sex 1/2 (3, 4, 7, 8 for special cases), year, month 01-12 or the special 20, 30-42, 50-99, then the rest. */
const NIR = /(?<![\w.-])[1-478] ?\d{2} ?(?:0[1-9]|1[0-2]|20|3\d|4[0-2]|[5-9]\d) ?(?:\d{2}|2[ABab]) ?\d{3} ?\d{3} ?\d{2}(?![\w]|[ .-]?\d)/g;

/** True if the NIR's key matches its first 13 characters. */
export function isValidNir(value: string): boolean {
  const compact = value.replace(/ /g, '').toUpperCase();
  if (!/^\d{5}(?:\d{2}|2A|2B)\d{8}$/.test(compact)) return false;
  const body = Number(compact.slice(0, 13).replace('2A', '19').replace('2B', '18'));
  return 97 - (body % 97) === Number(compact.slice(13));
}
