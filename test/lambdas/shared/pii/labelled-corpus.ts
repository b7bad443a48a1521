import * as fs from 'node:fs';
import * as path from 'node:path';
import { PII_KINDS, type PiiKind } from '../../../../lambdas/shared/pii';

/** A span the corpus says must be redacted as `kind`; `end` exclusive, offsets in `input`. */
export interface ExpectedSpan {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

/** One corpus line: the input text and its expected spans. */
export interface CorpusLine {
  readonly lineNumber: number;
  readonly locale: string;
  readonly input: string;
  readonly expected: readonly ExpectedSpan[];
}

export const CORPUS_FILE = path.join(__dirname, '../../../fixtures/pii/corpus.tsv');

const MARKER = new RegExp(String.raw`\{\{(${PII_KINDS.join('|')}):([\s\S]*?)\}\}`, 'g');

/** Parses test/fixtures/pii/corpus.tsv (format in its header). */
export function loadCorpus(file = CORPUS_FILE): CorpusLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line, index) => ({ line, lineNumber: index + 1 }))
    .filter(({ line }) => line.trim() !== '' && !line.startsWith('#'))
    .map(({ line, lineNumber }) => parseLine(line, lineNumber));
}

function parseLine(line: string, lineNumber: number): CorpusLine {
  const tab = line.indexOf('\t');
  if (tab === -1) throw new Error(`corpus line ${lineNumber} has no tab`);
  const marked = line.slice(tab + 1).replace(/␤/g, '\n');
  const expected: ExpectedSpan[] = [];
  let input = '';
  let from = 0;
  for (const marker of marked.matchAll(MARKER)) {
    input += marked.slice(from, marker.index);
    expected.push({ kind: marker[1] as PiiKind, start: input.length, end: input.length + marker[2].length });
    input += marker[2];
    from = marker.index! + marker[0].length;
  }
  input += marked.slice(from);
  return { lineNumber, locale: line.slice(0, tab), input, expected };
}

/** A finding as `redact` reports it. */
export interface Finding {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

/** Span-level counts of one kind. */
export interface KindScore {
  /** Expected spans of this kind. */
  positives: number;
  /** Findings of this kind that overlap an expected span of this kind (each span matched once). */
  truePositives: number;
  /** True positives whose start and end are exactly the expected span's. */
  exact: number;
  /** Findings of this kind that match no expected span of this kind. */
  falsePositives: number;
  /** Expected spans of this kind that no finding of this kind matches. */
  falseNegatives: number;
}

/** A wrong finding or a missed span, for the report. */
export interface Miss {
  readonly lineNumber: number;
  readonly kind: PiiKind;
  readonly text: string;
  readonly type: 'false positive' | 'false negative' | 'inexact';
}

export const emptyScore = (): KindScore => ({ positives: 0, truePositives: 0, exact: 0, falsePositives: 0, falseNegatives: 0 });

/**
 * Scores one line: a finding matches an expected span when the kinds are equal and the spans overlap;
 * each finding and each span is matched at most once, in text order.
 */
export function scoreLine(line: CorpusLine, findings: readonly Finding[], scores: Map<PiiKind, KindScore>, misses: Miss[]): void {
  const matched = new Set<Finding>();
  const score = (kind: PiiKind): KindScore => {
    if (!scores.has(kind)) scores.set(kind, emptyScore());
    return scores.get(kind)!;
  };
  for (const span of line.expected) {
    score(span.kind).positives += 1;
    const finding = findings.find((f) => !matched.has(f) && f.kind === span.kind && f.start < span.end && span.start < f.end);
    if (!finding) {
      score(span.kind).falseNegatives += 1;
      misses.push({ lineNumber: line.lineNumber, kind: span.kind, text: line.input.slice(span.start, span.end), type: 'false negative' });
      continue;
    }
    matched.add(finding);
    score(span.kind).truePositives += 1;
    if (finding.start === span.start && finding.end === span.end) score(span.kind).exact += 1;
    else misses.push({ lineNumber: line.lineNumber, kind: span.kind, text: line.input.slice(finding.start, finding.end), type: 'inexact' });
  }
  for (const finding of findings.filter((f) => !matched.has(f))) {
    score(finding.kind).falsePositives += 1;
    misses.push({ lineNumber: line.lineNumber, kind: finding.kind, text: line.input.slice(finding.start, finding.end), type: 'false positive' });
  }
}

/** Sums the scores of every kind. */
export function total(scores: ReadonlyMap<PiiKind, KindScore>): KindScore {
  const sum = emptyScore();
  for (const score of scores.values()) {
    for (const key of Object.keys(sum) as Array<keyof KindScore>) sum[key] += score[key];
  }
  return sum;
}

export const precision = (score: KindScore): number =>
  score.truePositives + score.falsePositives === 0 ? 1 : score.truePositives / (score.truePositives + score.falsePositives);
export const recall = (score: KindScore): number => (score.positives === 0 ? 1 : score.truePositives / score.positives);
