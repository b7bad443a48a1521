/**
 * Redaction benchmark: throughput of `redact` (lambdas/shared/pii) in MB/s of UTF-8 input, median of
 * several runs after one warm-up run (so V8 has compiled the regular expressions), on:
 * - the labelled PII corpus (test/fixtures/pii/corpus.tsv, markers removed) repeated to about 5 MB,
 *   redacted as one text;
 * - prompts of 1 KB and 8 KB cut from that text, redacted one by one (about 2 MB per run), as the
 *   LLM proxy and document ingestion call it; the table also gives the time per prompt (median run);
 * - PII-free prose of about 5 MB (seeded random English words and punctuation);
 * - the corpus's look-alike lines only (dates, versions, order numbers, hashes …) repeated to about 5 MB.
 *
 *   npm run bench:redaction                  # 7 runs per input
 *   npm run bench:redaction -- --runs 15
 */
import { parseArgs } from 'node:util';
import { redact } from '../lambdas/shared/pii';
import { loadCorpus } from '../test/lambdas/shared/pii/labelled-corpus';

const MB = 1_000_000;

interface Workload {
  readonly name: string;
  /** The texts one run redacts, one `redact` call each. */
  readonly texts: readonly string[];
}

interface Row {
  readonly name: string;
  readonly megabytes: number;
  readonly calls: number;
  readonly medianMs: number;
  readonly findings: number;
}

function repeatTo(text: string, bytes: number): string {
  const unit = Buffer.byteLength(text);
  return text.repeat(Math.max(1, Math.ceil(bytes / unit)));
}

/** Consecutive slices of about `size` bytes (cut at a line end when one is near), `count` of them. */
function prompts(source: string, size: number, count: number): string[] {
  const result: string[] = [];
  let from = 0;
  while (result.length < count) {
    if (from + size > source.length) from = 0;
    const lineEnd = source.lastIndexOf('\n', from + size);
    const to = lineEnd > from + size / 2 ? lineEnd : from + size;
    result.push(source.slice(from, to));
    from = to + 1;
  }
  return result;
}

/** Seeded English-like prose: sentences of common words, commas and full stops, no digits or symbols. */
function prose(bytes: number): string {
  const words = (
    'the of and to in is that it for was on are as with his they at be this have from or one had by word but not ' +
    'what all were we when your can said there use an each which she do how their if will up other about out many ' +
    'then them these so some her would make like him into time has look two more write go see number no way could ' +
    'people my than first water been call who oil its now find long down day did get come made may part team budget ' +
    'customer report meeting project quarter review proposal document summary policy platform tenant'
  ).split(' ');
  let state = 42;
  const next = (limit: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % limit;
  };
  const sentences: string[] = [];
  let length = 0;
  while (length < bytes) {
    const count = 6 + next(14);
    const sentenceWords = Array.from({ length: count }, (_, index) => words[next(words.length)] + (index > 2 && next(9) === 0 ? ',' : ''));
    const sentence = `${sentenceWords.join(' ').replace(/^./, (c) => c.toUpperCase()).replace(/,$/, '')}.`;
    sentences.push(sentence);
    length += sentence.length + 1;
  }
  return sentences.join(' ');
}

function workloads(): Workload[] {
  const corpus = loadCorpus();
  const corpusText = corpus.map((line) => line.input).join('\n');
  const lookAlikes = corpus.filter((line) => line.expected.length === 0).map((line) => line.input).join('\n');
  const fiveMb = repeatTo(corpusText, 5 * MB);
  return [
    { name: 'PII corpus, one 5 MB text', texts: [fiveMb] },
    { name: 'PII corpus, 1 KB prompts', texts: prompts(fiveMb, 1024, 2000) },
    { name: 'PII corpus, 8 KB prompts', texts: prompts(fiveMb, 8192, 250) },
    { name: 'PII-free prose, one 5 MB text', texts: [prose(5 * MB)] },
    { name: 'look-alikes only, one 5 MB text', texts: [repeatTo(lookAlikes, 5 * MB)] },
  ];
}

function runOnce(workload: Workload): { ms: number; findings: number } {
  let findings = 0;
  const started = process.hrtime.bigint();
  for (const text of workload.texts) findings += redact(text).findings.length;
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, findings };
}

function measure(workload: Workload, runs: number): Row {
  const { findings } = runOnce(workload); // warm-up: lets V8 tier the regular expressions up to native code
  const times = Array.from({ length: runs }, () => runOnce(workload).ms).sort((a, b) => a - b);
  return {
    name: workload.name,
    megabytes: workload.texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / MB,
    calls: workload.texts.length,
    medianMs: times[Math.floor(times.length / 2)],
    findings,
  };
}

function printTable(rows: readonly Row[], runs: number): void {
  console.log(`redact() throughput; median of ${runs} runs after one warm-up, MB = 10^6 bytes of UTF-8, node ${process.version}`);
  console.log('| input | MB per run | calls per run | median ms per run | MB/s | µs per call | findings per run |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const perCall = r.calls > 1 ? ((r.medianMs * 1000) / r.calls).toFixed(0) : '–';
    const cells = [r.megabytes.toFixed(2), String(r.calls), r.medianMs.toFixed(0), (r.megabytes / (r.medianMs / 1000)).toFixed(1), perCall, String(r.findings)];
    console.log(`| ${r.name} | ${cells.join(' | ')} |`);
  }
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  printTable(workloads().map((workload) => measure(workload, runs)), runs);
}

main();
