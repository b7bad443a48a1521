import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { DecryptCommand } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { accessKeyOf, embeddedTexts } from './support/aws-fakes';
import { DocumentsClient, TestClock } from './support/documents-api';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// The ingest worker on the queue's messages: it indexes a queued document as its tenant (with the
// caller's service token from the job), sets the status, reports failures per record, and does nothing
// for a redelivered job of an indexed document.

type WorkerModule = typeof import('../../../lambdas/documents-worker/handler');
type WorkerProduction = typeof import('../../../lambdas/documents-worker/production');

const harness = Harness.install();
let clock: TestClock;
let api: DocumentsClient;
let worker: (event: SQSEvent) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

const LARGE = Array.from({ length: 100 }, (_, i) => `Clause ${i} of the supplier contract sets delivery terms; questions to legal@example.com.`).join('\n');

beforeEach(() => {
  clock = new TestClock();
  api = documentsApi(clock);
  const { createWorkerHandler } = require('../../../lambdas/documents-worker/handler') as WorkerModule;
  const { productionDeps } = require('../../../lambdas/documents-worker/production') as WorkerProduction;
  worker = createWorkerHandler({ ...productionDeps(), now: clock.now });
});

/** Queues LARGE through the API and returns its id and the message SQS received. */
async function queueDocument(): Promise<{ id: string; body: string }> {
  const reply = await api.ingest({ text: LARGE, origin: 'dms://contracts/7' });
  expect(reply.status).toBe(202);
  const sends = harness.sqs.commandCalls(SendMessageCommand);
  return { id: reply.json.id, body: String(sends[sends.length - 1].args[0].input.MessageBody) };
}

function record(body: string, receives = 1, messageId = 'message-0001'): SQSRecord {
  return { messageId, body, attributes: { ApproximateReceiveCount: String(receives) } } as unknown as SQSRecord;
}

const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
const acmeDocs = () => [...harness.opensearch.docs('tenant-acme').values()];

test('indexes the queued document, and its status becomes indexed', async () => {
  const { id, body } = await queueDocument();
  expect(await worker(sqsEvent(record(body)))).toEqual({ batchItemFailures: [] });
  const chunks = acmeDocs().filter((doc) => doc.kind === 'chunk');
  expect(chunks.length).toBeGreaterThan(5);
  expect(chunks.every((doc) => doc.document_id === id && doc.origin === 'dms://contracts/7' && doc.tenant === 'acme')).toBe(true);
  expect(acmeDocs().filter((doc) => doc.kind === 'document')).toEqual([expect.objectContaining({ status: 'indexed', chunk: chunks.length })]);
  const status = await api.status(id);
  expect(status.json).toMatchObject({ status: 'indexed', chunks: chunks.length, pii: ['email'] });
});

test('embeds and stores only the redacted text, and signs with the tenant\'s credentials', async () => {
  const { body } = await queueDocument();
  harness.opensearch.requests.length = 0;
  await worker(sqsEvent(record(body)));
  const texts = embeddedTexts(harness.bedrock).map((call) => call.body.inputText as string);
  expect(texts.length).toBeGreaterThan(5);
  expect(texts.join(' ')).not.toContain('legal@example.com');
  expect(texts.join(' ')).toContain('[REDACTED:email]');
  expect(harness.opensearch.allBodies()).not.toContain('supplier contract');
  for (const request of harness.opensearch.requests) expect(request.headers.authorization).toContain(`Credential=${accessKeyOf('acme')}/`);
  expect(harness.kms.commandCalls(DecryptCommand).map((call) => call.args[0].input.EncryptionContext)).toEqual([{ tenant: 'acme' }]);
});

test('a redelivered job of an indexed document does nothing', async () => {
  const { body } = await queueDocument();
  await worker(sqsEvent(record(body)));
  const stored = acmeDocs().length;
  harness.opensearch.requests.length = 0;
  harness.bedrock.resetHistory();
  expect(await worker(sqsEvent(record(body, 2)))).toEqual({ batchItemFailures: [] });
  expect(acmeDocs()).toHaveLength(stored);
  expect(harness.opensearch.requestsTo('/_bulk')).toHaveLength(0);
  expect(harness.bedrock.commandCalls(InvokeModelCommand)).toHaveLength(0);
});

test('a job whose service token STS refuses (expired) is reported failed and touches nothing', async () => {
  const { body } = await queueDocument();
  const job = JSON.parse(body);
  job.serviceToken = 'eyJhbGciOiJFUzI1NiJ9.expired.token';
  harness.opensearch.requests.length = 0;
  expect(await worker(sqsEvent(record(JSON.stringify(job), 3)))).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-0001' }] });
  expect(harness.opensearch.requests).toHaveLength(0);
});

test('a failing job is retried; on its last receive it records failed before going to the dead-letter queue', async () => {
  const { id, body } = await queueDocument();
  harness.bedrock.on(InvokeModelCommand).rejects(new Error('ThrottlingException'));
  expect(await worker(sqsEvent(record(body, 1)))).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-0001' }] });
  expect((await api.status(id)).json.status).toBe('queued');
  expect(await worker(sqsEvent(record(body, 3)))).toEqual({ batchItemFailures: [{ itemIdentifier: 'message-0001' }] });
  expect((await api.status(id)).json.status).toBe('failed');
  expect(acmeDocs().filter((doc) => doc.kind === 'document').map((doc) => doc.status)).toEqual(['failed']);
});

test('reports only the failed records of a batch', async () => {
  const { body } = await queueDocument();
  const result = await worker(sqsEvent(record('not json', 1, 'bad-1'), record(body, 1, 'good-1')));
  expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad-1' }] });
});

test('chunks left by an attempt that failed after writing are replaced, not doubled', async () => {
  const { id, body } = await queueDocument();
  harness.opensearch.put('tenant-acme', { kind: 'chunk', tenant: 'acme', app: 'acme-kb', document_id: id, chunk: 0, expires: '2025-06-08T12:00:00.000Z' });
  await worker(sqsEvent(record(body, 2)));
  const chunks = acmeDocs().filter((doc) => doc.kind === 'chunk');
  expect(new Set(chunks.map((doc) => doc.chunk)).size).toBe(chunks.length);
});

test('never logs the text or the token', async () => {
  const { body } = await queueDocument();
  await worker(sqsEvent(record(body)));
  const logs = harness.logs.text();
  expect(logs).toContain('Job done');
  for (const secret of ['supplier contract', 'legal@example.com', JSON.parse(body).serviceToken]) expect(logs).not.toContain(secret);
});
