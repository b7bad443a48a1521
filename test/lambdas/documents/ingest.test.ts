import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { accessKeyOf, DOCUMENTS_ENV, embeddedTexts, keyArnOf } from './support/aws-fakes';
import { authorizer, DocumentsClient, TestClock } from './support/documents-api';
import type { Doc } from './support/fake-opensearch';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// POST /v1/documents end to end: the real handler with its production wiring, OpenSearch as a local
// HTTP server, AWS faked at the SDK boundary.

const harness = Harness.install();
let clock: TestClock;
let api: DocumentsClient;

const EMAIL = 'jane.doe@example.com';
const PHONE = '+44 20 7946 0958';
const CARD = '4111 1111 1111 1111';
const TEXT = `The quarterly report covers revenue growth in the northern region. Contact Jane at ${EMAIL} or ${PHONE} about the card ${CARD}.`;

beforeEach(() => {
  clock = new TestClock();
  api = documentsApi(clock);
});

const acmeDocs = (): Doc[] => [...harness.opensearch.docs('tenant-acme').values()];
const chunksOf = (docs: Doc[]) => docs.filter((doc) => doc.kind === 'chunk');
const statusesOf = (docs: Doc[]) => docs.filter((doc) => doc.kind === 'document');

/** The action lines of every `_bulk` request. */
function bulkActions(): Array<Record<string, Record<string, unknown>>> {
  return harness.opensearch
    .requestsTo('/_bulk')
    .flatMap((request) => request.body.split('\n').filter((line) => line !== ''))
    .map((line) => JSON.parse(line))
    .filter((line) => ['index', 'create', 'delete', 'update'].includes(Object.keys(line)[0]));
}

describe('a small document is indexed at once', () => {
  test('201 with the id, the chunks and the PII kinds found; Location names its status', async () => {
    const reply = await api.ingest({ text: TEXT, origin: 'crm://notes/1', author: 'analyst-7' });
    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      duplicate: false,
      status: 'indexed',
      chunks: 1,
      created: '2025-03-10T12:00:00.000Z',
      expires: '2025-06-08T12:00:00.000Z',
      classification: 'internal',
      pii: ['card', 'email', 'phone'],
    });
    expect(reply.headers.Location).toBe(`/v1/documents/${reply.json.id}`);
  });

  test('writes the chunks and the status document into the tenant\'s own index from the registry', async () => {
    await api.ingest({ text: TEXT });
    expect(harness.opensearch.requestsTo('/_bulk').map((request) => request.path)).toEqual(['/tenant-acme/_bulk']);
    expect(harness.opensearch.docs('tenant-globex').size).toBe(0);
    expect(statusesOf(acmeDocs())).toEqual([expect.objectContaining({ kind: 'document', tenant: 'acme', app: 'acme-kb', status: 'indexed', chunk: 1 })]);
    expect(chunksOf(acmeDocs())).toEqual([expect.objectContaining({ kind: 'chunk', tenant: 'acme', app: 'acme-kb', chunk: 0 })]);
  });

  test('lets the collection assign document ids: no bulk action names an _id (VECTORSEARCH refuses them)', async () => {
    await api.ingest({ text: TEXT });
    const actions = bulkActions();
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((action) => Object.keys(action)[0] === 'index' && Object.keys(action.index).length === 0)).toBe(true);
  });

  test('signs every OpenSearch request with the tenant\'s own credentials for the aoss service', async () => {
    await api.ingest({ text: TEXT });
    expect(harness.opensearch.requests.length).toBeGreaterThan(0);
    for (const request of harness.opensearch.requests) {
      expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${accessKeyOf('acme')}/\\d{8}/eu-west-1/aoss/aws4_request`));
      expect(request.headers['x-amz-security-token']).toBe('session-acme');
    }
  });

  test('stores ciphertext: neither the text nor any PII appears in what reached OpenSearch', async () => {
    await api.ingest({ text: TEXT, origin: 'crm://notes/1' });
    const sent = harness.opensearch.allBodies();
    for (const secret of [EMAIL, PHONE, CARD, 'quarterly report', 'northern region']) expect(sent).not.toContain(secret);
    const [chunk] = chunksOf(acmeDocs());
    expect(chunk.ciphertext).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));
    expect(chunk.encrypted_key).toEqual(expect.any(String));
    expect(chunk).not.toHaveProperty('text');
  });

  test('embeds the redacted text with Titan V2\'s request shape, never the PII', async () => {
    await api.ingest({ text: TEXT });
    const calls = embeddedTexts(harness.bedrock);
    expect(calls).toEqual([
      {
        modelId: 'amazon.titan-embed-text-v2:0',
        body: {
          inputText: 'The quarterly report covers revenue growth in the northern region. Contact Jane at [REDACTED:email] or [REDACTED:phone] about the card [REDACTED:card].',
          dimensions: 16,
          normalize: true,
        },
      },
    ]);
    const [chunk] = chunksOf(acmeDocs());
    expect(chunk.embedding).toHaveLength(16);
  });

  test('records the PII kinds found on every stored document', async () => {
    await api.ingest({ text: TEXT });
    for (const doc of acmeDocs()) expect(doc.pii).toEqual(['card', 'email', 'phone']);
  });

  test('fingerprints the normalised redacted text', async () => {
    await api.ingest({ text: TEXT });
    const fingerprints = new Set(acmeDocs().map((doc) => doc.fingerprint));
    expect([...fingerprints]).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
  });

  test('generates the data key from the tenant key with the tenant\'s credentials and encryption context', async () => {
    await api.ingest({ text: TEXT });
    const calls = harness.kms.commandCalls(GenerateDataKeyCommand);
    expect(calls.map((call) => call.args[0].input)).toEqual([{ KeyId: keyArnOf('acme'), KeySpec: 'AES_256', EncryptionContext: { tenant: 'acme' } }]);
    const credentials = await (calls[0].thisValue as KMSClient).config.credentials();
    expect(credentials.accessKeyId).toBe(accessKeyOf('acme'));
  });

  test('reuses the cached data key for the next documents of the tenant', async () => {
    await api.ingest({ text: TEXT });
    await api.ingest({ text: 'A second, different note about the southern warehouse.' });
    await api.ingest({ text: 'A third note about logistics planning.' });
    expect(harness.kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(new Set(chunksOf(acmeDocs()).map((doc) => doc.encrypted_key)).size).toBe(1);
  });

  test('cuts a longer text into overlapping chunks of at most CHUNK_CHARACTERS', async () => {
    const sentences = Array.from({ length: 30 }, (_, i) => `Sentence number ${i} talks about shipping routes and ports.`);
    const reply = await api.ingest({ text: sentences.join(' ') });
    expect(reply.status).toBe(201);
    const texts = embeddedTexts(harness.bedrock).map((call) => call.body.inputText as string);
    expect(texts.length).toBe(reply.json.chunks);
    expect(texts.length).toBeGreaterThan(4);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(Number(DOCUMENTS_ENV.CHUNK_CHARACTERS));
    // Each chunk starts inside the end of the one before: the overlap.
    for (let i = 1; i < texts.length; i += 1) expect(texts[i - 1]).toContain(texts[i].slice(0, 20));
    expect(chunksOf(acmeDocs()).map((doc) => doc.chunk).sort((a, b) => Number(a) - Number(b))).toEqual(texts.map((_, i) => i));
  });
});

describe('TTL', () => {
  test('sets expires from ttlDays on the status and every chunk', async () => {
    const reply = await api.ingest({ text: TEXT, ttlDays: 7 });
    expect(reply.json.expires).toBe('2025-03-17T12:00:00.000Z');
    for (const doc of acmeDocs()) {
      expect(doc.created).toBe('2025-03-10T12:00:00.000Z');
      expect(doc.expires).toBe('2025-03-17T12:00:00.000Z');
    }
  });

  test('defaults to 90 days and refuses more than the maximum of 365', async () => {
    expect((await api.ingest({ text: TEXT })).json.expires).toBe('2025-06-08T12:00:00.000Z');
    const reply = await api.ingest({ text: 'other', ttlDays: 366 });
    expect(reply.status).toBe(400);
    expect(reply.json.details.fields).toEqual([{ field: 'ttlDays', message: 'must be an integer from 1 to 365' }]);
  });
});

describe('duplicates within the tenant', () => {
  test('a text equal after normalisation answers 200 with the existing id, and nothing is written', async () => {
    const first = await api.ingest({ text: TEXT });
    const writes = harness.opensearch.requestsTo('/_bulk').length;
    const again = await api.ingest({ text: `  ${TEXT.replaceAll(' ', '   ')}\r\n` });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ id: first.json.id, duplicate: true, status: 'indexed' });
    expect(harness.opensearch.requestsTo('/_bulk')).toHaveLength(writes);
    expect(embeddedTexts(harness.bedrock)).toHaveLength(1);
  });

  test('is found by a term query on the fingerprint, filtered to the tenant', async () => {
    await api.ingest({ text: TEXT });
    const [check] = harness.opensearch.requestsTo('/_search').map((request) => JSON.parse(request.body));
    expect(check.query.bool.filter).toEqual(
      expect.arrayContaining([{ term: { tenant: 'acme' } }, { term: { kind: 'document' } }, { term: { fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) } }]),
    );
  });

  test('another app of the same tenant gets the existing document', async () => {
    const first = await api.ingest({ text: TEXT });
    const other = await api.ingest({ text: TEXT }, { authorizer: authorizer({ appId: 'acme-crm' }) });
    expect(other.json).toMatchObject({ id: first.json.id, duplicate: true });
  });

  test('another tenant\'s copy is not a duplicate: each tenant stores its own', async () => {
    await api.ingest({ text: TEXT });
    const globex = await api.ingest({ text: TEXT }, { authorizer: authorizer({ tenantId: 'globex', appId: 'globex-kb' }) });
    expect(globex.status).toBe(201);
    expect(harness.opensearch.docs('tenant-globex').size).toBe(2);
  });

  test('an expired copy does not count', async () => {
    await api.ingest({ text: TEXT, ttlDays: 1 });
    clock.advanceDays(2);
    expect((await api.ingest({ text: TEXT })).status).toBe(201);
  });
});

describe('a large document is queued', () => {
  const LARGE = Array.from({ length: 120 }, (_, i) => `Paragraph ${i} explains the onboarding of supplier ${i}; write to ops@example.com.`).join('\n');

  test('202 with the id and the status URL; nothing is embedded in the request', async () => {
    expect(Buffer.byteLength(LARGE)).toBeGreaterThan(Number(DOCUMENTS_ENV.SYNC_INGEST_MAX_BYTES));
    const reply = await api.ingest({ text: LARGE });
    expect(reply.status).toBe(202);
    expect(reply.json).toMatchObject({ id: expect.any(String), status: 'queued', statusUrl: `/v1/documents/${reply.json.id}`, pii: ['email'] });
    expect(reply.headers.Location).toBe(`/v1/documents/${reply.json.id}`);
    expect(embeddedTexts(harness.bedrock)).toHaveLength(0);
  });

  test('writes a queued status document and sends the job, without plaintext, to the ingest queue', async () => {
    const reply = await api.ingest({ text: LARGE });
    expect(statusesOf(acmeDocs())).toEqual([expect.objectContaining({ status: 'queued', document_id: reply.json.id, chunk: 0 })]);
    expect(chunksOf(acmeDocs())).toHaveLength(0);
    const sends = harness.sqs.commandCalls(SendMessageCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0].args[0].input.QueueUrl).toBe(DOCUMENTS_ENV.INGEST_QUEUE_URL);
    const body = String(sends[0].args[0].input.MessageBody);
    expect(JSON.parse(body)).toEqual({
      version: 1,
      tenantId: 'acme',
      appId: 'acme-kb',
      documentId: reply.json.id,
      serviceToken: expect.any(String),
      document: expect.objectContaining({ classification: 'internal', pii: ['email'], fingerprint: expect.any(String) }),
      body: { ciphertext: expect.any(String), encryptedKey: expect.any(String) },
    });
    expect(body).not.toContain('onboarding of supplier');
    expect(body).not.toContain('ops@example.com');
  });

  // Random words barely compress, so this text is too large for a 256 KiB message even deflated.
  const randomWords = (): string => {
    let seed = 7;
    const word = (): string => Array.from({ length: 6 }, () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26))).join('');
    return Array.from({ length: 55_000 }, word).join(' ');
  };

  test('refuses with 413 a document whose job would not fit one SQS message (256 KiB)', async () => {
    const reply = await api.ingest({ text: randomWords() });
    expect(reply.status).toBe(413);
    expect(reply.json).toEqual({ code: 'document_too_large', message: expect.any(String), details: { limitBytes: 262144 } });
    expect(harness.sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(harness.opensearch.requestsTo('/_bulk')).toHaveLength(0);
  });

  test('queues it when the queue\'s message size is raised to 1 MiB (INGEST_QUEUE_MAX_MESSAGE_BYTES)', async () => {
    process.env.INGEST_QUEUE_MAX_MESSAGE_BYTES = '1048576';
    try {
      const reply = await documentsApi(clock).ingest({ text: randomWords() });
      expect(reply.status).toBe(202);
    } finally {
      delete process.env.INGEST_QUEUE_MAX_MESSAGE_BYTES;
    }
  });
});

describe('a failed write leaves nothing behind', () => {
  test('chunks written by a bulk whose status failed are deleted again, and the caller gets 500', async () => {
    harness.opensearch.rejectDocument = (doc) => doc.kind === 'document';
    const reply = await api.ingest({ text: TEXT });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ code: 'internal_error', message: expect.any(String), details: {} });
    expect(acmeDocs()).toEqual([]);
  });

  test('a queued status whose job could not be sent is deleted again, so a retry is not a duplicate', async () => {
    const LARGE = Array.from({ length: 120 }, (_, i) => `Paragraph ${i} explains the onboarding of supplier ${i}.`).join('\n');
    harness.sqs.on(SendMessageCommand).rejectsOnce(new Error('ServiceUnavailable'));
    expect((await api.ingest({ text: LARGE })).status).toBe(500);
    expect(acmeDocs()).toEqual([]);
    expect((await api.ingest({ text: LARGE })).status).toBe(202);
  });
});

test('never logs the text, the PII or the token', async () => {
  await api.ingest({ text: TEXT });
  const logs = harness.logs.text();
  expect(logs).toContain('Request served');
  for (const secret of [EMAIL, 'quarterly report', 'eyJhbGciOiJFUzI1NiJ9']) expect(logs).not.toContain(secret);
});
