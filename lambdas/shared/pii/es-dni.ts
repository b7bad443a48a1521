import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * Spanish identity numbers: the DNI (`12345678Z`, `12.345.678-Z`) and the foreigners' NIE (`X1234567L`),
 * whose last letter must be the control letter: `TRWAGMYFPDXBNJZSQVHLCKE`[number mod 23], the NIE's
 * X, Y, Z counting as 0, 1, 2.
 */
export function findSpanishIds(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(DNI_OR_NIE, text)) {
    if (isValidDniOrNie(match[0])) {
      found.push({ kind: 'national-id', start: match.index!, end: match.index! + match[0].length, specificity: Specificity.checked });
    }
  }
  return found;
}

const DNI_OR_NIE = /(?<![\w.-])(?:\d{2}\.?\d{3}\.?\d{3}|[XYZxyz][- ]?\d{7})[- ]?[A-Za-z](?![\w])/g;

const CONTROL_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** True if the DNI's or NIE's last letter is its control letter. */
export function isValidDniOrNie(value: string): boolean {
  const compact = value.replace(/[.\- ]/g, '').toUpperCase();
  const number = compact.slice(0, -1).replace(/^[XYZ]/, (letter) => String('XYZ'.indexOf(letter)));
  if (!/^\d{8}$/.test(number)) return false;
  return CONTROL_LETTERS[Number(number) % 23] === compact.slice(-1);
}
