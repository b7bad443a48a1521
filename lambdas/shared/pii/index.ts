/**
 * Redaction of personal data and secrets, used before text is embedded and stored (documents) and
 * before a prompt reaches a model (LLM proxy). What each kind covers, and what it deliberately does not,
 * is documented on its detector and summarised in README.md beside this file.
 *
 * Every detector runs in time linear in the text (no expression can backtrack catastrophically; see
 * bench/redaction.bench.ts for throughput). Redaction works on the text as given, so offsets refer to it;
 * callers that want full-width digits or odd line breaks caught call {@link normalizeText} first.
 */
import type { Candidate } from './candidate';
import { DETECTORS } from './detectors';
import { PII_KINDS, type PiiKind } from './kinds';
import { redactionMarker, resolveOverlaps } from './resolve';

export { PII_KINDS, type PiiKind } from './kinds';
export { normalizeText } from './normalize';

/** What {@link redact} found and the text without it. */
export interface RedactionResult {
  /** The redacted text: each finding replaced by `[REDACTED:<kind>]`. */
  readonly text: string;
  /** How many of each kind were found (absent = 0). */
  readonly counts: Readonly<Partial<Record<PiiKind, number>>>;
  /** The findings in text order; offsets refer to the INPUT text, `end` exclusive. */
  readonly findings: ReadonlyArray<{ kind: PiiKind; start: number; end: number }>;
}

/** Options of {@link redact}. */
export interface RedactOptions {
  /**
   * The kinds to redact. Spans of other kinds are still recognised, so that (say) the digits of an
   * IBAN are never reported as a phone number when only phones are asked for; they are left in the text.
   * @default every kind ({@link PII_KINDS})
   */
  readonly kinds?: readonly PiiKind[];
}

/**
 * Finds personal data and secrets in `text` and replaces each with `[REDACTED:<kind>]`. Where findings
 * overlap, the longest wins, then the most specific (a vendor token over a checksum-validated number over
 * a phone shape over a labelled value). Text already redacted is left alone, so redacting twice changes
 * nothing.
 */
export function redact(text: string, options: RedactOptions = {}): RedactionResult {
  const wanted = new Set<string>(options.kinds ?? PII_KINDS);
  const candidates: Candidate[] = [];
  for (const detector of DETECTORS) for (const candidate of detector(text)) candidates.push(candidate);
  const findings = resolveOverlaps(text, candidates)
    .filter((candidate): candidate is Candidate & { kind: PiiKind } => wanted.has(candidate.kind))
    .map(({ kind, start, end }) => ({ kind, start, end }));
  return { text: replaceFindings(text, findings), counts: countByKind(findings), findings };
}

function replaceFindings(text: string, findings: RedactionResult['findings']): string {
  const parts: string[] = [];
  let from = 0;
  for (const finding of findings) {
    parts.push(text.slice(from, finding.start), redactionMarker(finding.kind));
    from = finding.end;
  }
  parts.push(text.slice(from));
  return parts.join('');
}

function countByKind(findings: RedactionResult['findings']): Partial<Record<PiiKind, number>> {
  const counts: Partial<Record<PiiKind, number>> = {};
  for (const { kind } of findings) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}
