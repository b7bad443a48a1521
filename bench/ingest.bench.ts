/**
 * Ingest overhead benchmark: the CPU work the documents pipeline does per document, without any network
 * call: normalise + redact + fingerprint (`prepareText`), chunk, and AES-256-GCM-seal every chunk with a
 * fixed local data key (KMS, Bedrock and OpenSearch are left out: they are network round trips). Prints
 * the median and p95 milliseconds per document and the documents per second, for 1, 8 and 64 KB texts
 * of prose with some PII in it.
 *
 *   npm run bench:ingest                       # 200 runs per size after 20 warm-up runs
 *   npm run bench:ingest -- --runs 1000        # steadier percentiles
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chunkText, type ChunkingOptions } from '../lambdas/shared/vectors/chunking';
import { chunkAad, seal } from '../lambdas/shared/vectors/envelope';
import { prepareText } from '../lambdas/shared/vectors/ingest';

const SIZES_KB = [1, 8, 64];
const CHUNKING: ChunkingOptions = { size: 1000, overlap: 150 };
const DATA_KEY = randomBytes(32);

const SENTENCES = [
  'The quarterly review covers revenue growth in the northern region and the new warehouse.',
  'Please send the signed contract to jane.doe@example.com before Friday.',
  'Our supplier confirmed delivery of 40 pallets; order number 1234 5678 9012 3456 is attached.',
  'Call the front desk on +44 20 7946 0958 if the badge reader fails again.',
  'The onboarding guide explains expenses, travel bookings and the pension plan in plain words.',
  'Payments go to IBAN GB82 WEST 1234 5698 7654 32 as agreed in the framework agreement.',
  'Meeting notes: the team agreed to move the release by one week to finish the accessibility review.',
  'The VPN gateway at 203.0.113.42 will be replaced during the maintenance window.',
];

/** About `kb` kilobytes of prose: the sentences in turn, in paragraphs. */
function documentOf(kb: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < kb * 1024; i += 1) {
    const sentence = SENTENCES[i % SENTENCES.length] + (i % 5 === 4 ? '\n\n' : ' ');
    parts.push(sentence);
    length += sentence.length;
  }
  return parts.join('').slice(0, kb * 1024);
}

/** What the API does to a document before its network calls. */
function ingestOverhead(text: string, documentId: string): number {
  const prepared = prepareText(text);
  const chunks = chunkText(prepared.text, CHUNKING);
  let sealedBytes = 0;
  chunks.forEach((chunk, index) => {
    sealedBytes += seal(DATA_KEY, chunk, chunkAad('acme', documentId, index)).length;
  });
  return sealedBytes + prepared.fingerprint.length;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' } } });
  const runs = Number(values.runs);
  const rows = SIZES_KB.map((kb) => {
    const text = documentOf(kb);
    for (let i = 0; i < 20; i += 1) ingestOverhead(text, `warm-${i}`);
    const times: number[] = [];
    let sink = 0;
    for (let i = 0; i < runs; i += 1) {
      const start = performance.now();
      sink += ingestOverhead(text, `doc-${i}`);
      times.push(performance.now() - start);
    }
    if (sink === 0) throw new Error('nothing was sealed');
    times.sort((a, b) => a - b);
    const median = percentile(times, 50);
    return {
      size: `${kb} KB`,
      chunks: chunkText(prepareText(text).text, CHUNKING).length,
      'median ms/doc': median.toFixed(3),
      'p95 ms/doc': percentile(times, 95).toFixed(3),
      'docs/s': Math.round(1000 / median),
      'MB/s': ((kb / 1024) * (1000 / median)).toFixed(1),
    };
  });
  console.log(`Ingest overhead per document (normalise + redact + fingerprint + chunk ${CHUNKING.size}/${CHUNKING.overlap} + AES-256-GCM), ${runs} runs, Node ${process.version}`);
  console.table(rows);
}

main();
