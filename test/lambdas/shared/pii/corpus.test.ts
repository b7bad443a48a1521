import { PII_KINDS, type PiiKind, redact } from '../../../../lambdas/shared/pii';
import { type KindScore, loadCorpus, type Miss, precision, recall, scoreLine, total } from './labelled-corpus';

/**
 * Runs `redact` over the labelled corpus (test/fixtures/pii/corpus.tsv) and scores it per kind at span
 * level: a finding is a true positive when an expected span of the same kind overlaps it (each matched
 * once); a finding without such a span is a false positive; a span without such a finding is a false
 * negative. "exact" counts true positives whose boundaries are the expected ones.
 */
const corpus = loadCorpus();
const scores = new Map<PiiKind, KindScore>();
const misses: Miss[] = [];
const redactions = corpus.map((line) => {
  const result = redact(line.input);
  scoreLine(line, result.findings, scores, misses);
  return { line, result };
});

const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;

function report(): string {
  const rows: Array<[string, KindScore]> = [...PII_KINDS.map((kind): [string, KindScore] => [kind, scores.get(kind)!]), ['overall', total(scores)]];
  const withPii = corpus.filter((line) => line.expected.length > 0).length;
  const row = ([kind, s]: [string, KindScore]) =>
    `| ${kind} | ${s.positives} | ${s.truePositives} | ${s.falsePositives} | ${s.falseNegatives} | ${s.exact} | ${percent(precision(s))} | ${percent(recall(s))} |`;
  const lines = [
    `PII corpus: ${corpus.length} lines, ${withPii} with PII, ${corpus.length - withPii} without`,
    '| kind | spans | TP | FP | FN | exact | precision | recall |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(row),
    ...misses.map((miss) => `  line ${miss.lineNumber}: ${miss.type} ${miss.kind}: ${JSON.stringify(miss.text)}`),
  ];
  return `${lines.join('\n')}\n`;
}

// Jest prints console.log with a stack trace per call; the table reads better written straight out.
beforeAll(() => process.stdout.write(report()));

test('the corpus has at least 250 lines, roughly half of them with PII', () => {
  const withPii = corpus.filter((line) => line.expected.length > 0).length;
  expect(corpus.length).toBeGreaterThanOrEqual(250);
  expect(withPii / corpus.length).toBeGreaterThan(0.4);
  expect(withPii / corpus.length).toBeLessThan(0.6);
});

test.each(PII_KINDS)('the corpus has at least 10 positive examples of %s', (kind) => {
  expect(scores.get(kind)?.positives ?? 0).toBeGreaterThanOrEqual(10);
});

test('overall recall is at least 98% and precision at least 95%', () => {
  const overall = total(scores);
  expect(recall(overall)).toBeGreaterThanOrEqual(0.98);
  expect(precision(overall)).toBeGreaterThanOrEqual(0.95);
});

test('at least 95% of the spans found have exactly the expected boundaries', () => {
  const overall = total(scores);
  expect(overall.exact / overall.truePositives).toBeGreaterThanOrEqual(0.95);
});

test('a line redacted without any miss equals the expected redaction, the rest of the text untouched', () => {
  const missedLines = new Set(misses.map((miss) => miss.lineNumber));
  const clean = redactions.filter(({ line }) => !missedLines.has(line.lineNumber));
  expect(clean.length).toBeGreaterThan(corpus.length * 0.9);
  for (const { line, result } of clean) {
    let expected = line.input;
    for (const span of [...line.expected].reverse()) expected = `${expected.slice(0, span.start)}[REDACTED:${span.kind}]${expected.slice(span.end)}`;
    expect(result.text).toBe(expected);
  }
});
