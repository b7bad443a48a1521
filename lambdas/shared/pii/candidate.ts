import type { PiiKind } from './kinds';

/**
 * How specific a detector's evidence is; breaks ties between candidates of equal length (longer always
 * wins first). A vendor prefix beats a checksum, a checksum beats a bare shape, and a shape beats a label.
 */
export const Specificity = {
  /** Not PII, but shaped like it (an IBAN with wrong check digits): claims its span so nothing inside is taken. */
  lookalike: -1,
  /** Only a label says so (`password=…`, `Bearer …`). */
  label: 0,
  /** A shape without a checksum (phone numbers). */
  shape: 1,
  /** A checksum or a strict structure (cards, IBANs, national ids, emails, IP addresses). */
  checked: 2,
  /** A vendor's own token prefix or an armoured block (AWS, GitHub, Slack, Stripe, JWT, PEM). */
  vendor: 3,
} as const;

/** One of the {@link Specificity} levels. */
export type Specificity = (typeof Specificity)[keyof typeof Specificity];

/** What a candidate is: a kind of PII, or a look-alike that only keeps other detectors out of its span. */
export type CandidateKind = PiiKind | 'lookalike';

/** A span one detector believes to be PII; overlapping candidates are resolved later. */
export interface Candidate {
  readonly kind: CandidateKind;
  /** Offset of the first character, in the input text. */
  readonly start: number;
  /** Offset after the last character, in the input text. */
  readonly end: number;
  readonly specificity: Specificity;
}

/** Finds candidates of one family in a text. Must run in time linear in the text's length. */
export type Detector = (text: string) => Candidate[];

/**
 * Every match of a global regular expression, which must not backtrack catastrophically. An `exec` loop
 * rather than `matchAll`, which clones the expression on every call: detectors run on every prompt.
 */
export function matchesOf(pattern: RegExp, text: string): RegExpExecArray[] {
  if (!pattern.global) throw new Error(`pattern ${pattern} must be global`);
  const matches: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    matches.push(match);
    if (match[0] === '') pattern.lastIndex += 1;
  }
  return matches;
}

/**
 * Letters of the Latin scripts (ASCII, Latin-1, Extended-A and -B), for word boundaries in expressions
 * without the `u` flag, which makes V8's matching several times slower.
 */
export const LATIN_LETTER = String.raw`A-Za-z\u00C0-\u024F`;

/** True for an ASCII digit at `index` (false outside the text). */
export function isDigitAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

/** True for an ASCII letter, digit or underscore at `index` (false outside the text). */
export function isWordCharAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
