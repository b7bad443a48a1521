import { type Candidate, matchesOf, Specificity } from './candidate';

/**
 * UK National Insurance numbers, `AB 12 34 56 C` or `AB123456C`: the first letter is not D, F, I, Q, U
 * or V, the second not D, F, I, O, Q, U or V, the prefix is not BG, GB, KN, NK, NT, TN or ZZ (never
 * issued), and the suffix is A to D. Upper case only: `at 12 34 56 a` is prose more often than an id.
 */
export function findUkNinos(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of matchesOf(NINO, text)) {
    if (isValidNino(match[0])) {
      found.push({ kind: 'national-id', start: match.index!, end: match.index! + match[0].length, specificity: Specificity.checked });
    }
  }
  return found;
}

const NINO = /(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;

const NEVER_ISSUED_PREFIXES = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/** True for a National Insurance number that follows the prefix and suffix rules. */
export function isValidNino(value: string): boolean {
  const compact = value.replace(/ /g, '').toUpperCase();
  return (
    /^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(compact) && !NEVER_ISSUED_PREFIXES.has(compact.slice(0, 2))
  );
}
