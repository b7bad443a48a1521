import type { Candidate } from './candidate';
import { PII_KINDS } from './kinds';

/**
 * Picks non-overlapping candidates: the longest first, then the most specific, then the leftmost; a
 * candidate that overlaps one already picked, or an earlier redaction marker, is dropped. Returns them
 * in text order.
 */
export function resolveOverlaps(text: string, candidates: readonly Candidate[]): Candidate[] {
  const taken = new Uint8Array(text.length);
  for (const marker of text.matchAll(REDACTION_MARKER)) taken.fill(1, marker.index!, marker.index! + marker[0].length);
  const ranked = [...candidates].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || b.specificity - a.specificity || a.start - b.start,
  );
  const picked: Candidate[] = [];
  for (const candidate of ranked) {
    if (candidate.end <= candidate.start || isTaken(taken, candidate)) continue;
    taken.fill(1, candidate.start, candidate.end);
    picked.push(candidate);
  }
  return picked.sort((a, b) => a.start - b.start);
}

/** The text `redact` puts in place of a finding; never redacted again. */
export function redactionMarker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

const REDACTION_MARKER = new RegExp(String.raw`\[REDACTED:(?:${PII_KINDS.join('|')})\]`, 'g');

function isTaken(taken: Uint8Array, candidate: Candidate): boolean {
  for (let index = candidate.start; index < candidate.end; index += 1) if (taken[index] === 1) return true;
  return false;
}
