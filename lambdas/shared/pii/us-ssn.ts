import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * US Social Security numbers written `123-45-6789` or `123 45 6789`. Numbers the SSA never issues are
 * not SSNs: area 000, 666 or 900-999, group 00, serial 0000.
 */
export function findUsSsns(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(SSN, text)) {
    if (isIssuableSsn(match[1], match[3], match[4])) {
      found.push({ kind: 'national-id', start: match.index!, end: match.index! + match[0].length, specificity: Specificity.checked });
    }
  }
  return found;
}

const SSN = /(?<![\w.\/-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|[.-]\d)/g;

/** True if the SSA could have issued this area, group and serial. */
export function isIssuableSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}
