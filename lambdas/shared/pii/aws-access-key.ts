import { type Candidate, matchesOf, Specificity } from './candidate';

/** AWS access key ids: `AKIA` (long-term) or `ASIA` (temporary) and 16 upper-case letters or digits. */
export function findAwsAccessKeys(text: string): Candidate[] {
  return matchesOf(ACCESS_KEY_ID, text).map((match) => ({
    kind: 'aws-access-key',
    start: match.index!,
    end: match.index! + match[0].length,
    specificity: Specificity.vendor,
  }));
}

const ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
