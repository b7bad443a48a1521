import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { accessKeyOf, embeddedTexts, embeddingOf, keyArnOf } from './support/aws-fakes';
import { authorizer, DocumentsClient, TestClock } from './support/documents-api';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// POST /v1/search end to end: the index and the tenant filter come from the caller's tenant only, text
// comes back (decrypted) only for callers with documents.text.

const harness = Harness.install();
let clock: TestClock;
let api: DocumentsClient;

const WAREHOUSE = 'The northern warehouse ships pallets every morning. Ask jane.doe@example.com for the schedule.';
const PAYROLL = 'Payroll runs on the last working day of each month.';
const READER = { authorizer: authorizer({ scopes: 'documents.read' }) };
const GLOBEX = { authorizer: authorizer({ tenantId: 'globex', appId: 'globex-kb' }) };

beforeEach(async () => {
  clock = new TestClock();
  api = documentsApi(clock);
  expect((await api.ingest({ text: WAREHOUSE, origin: 'wiki://ops', author: 'ops-team', classification: 'confidential' })).status).toBe(201);
  expect((await api.ingest({ text: PAYROLL, origin: 'wiki://hr' })).status).toBe(201);
  harness.opensearch.requests.length = 0;
  harness.kms.resetHistory();
  harness.bedrock.resetHistory();
  harness.sts.resetHistory();
});

const searchBodies = () => harness.opensearch.requestsTo('/_search').map((request) => ({ path: request.path, body: JSON.parse(request.body) }));

test('returns the nearest chunks with score and provenance', async () => {
  const reply = await api.search({ query: 'warehouse pallets schedule', k: 2 });
  expect(reply.status).toBe(200);
  expect(reply.json.results).toHaveLength(2);
  expect(reply.json.results[0]).toEqual({
    documentId: expect.any(String),
    chunk: 0,
    score: expect.any(Number),
    origin: 'wiki://ops',
    author: 'ops-team',
    created: '2025-03-10T12:00:00.000Z',
    classification: 'confidential',
    pii: ['email'],
    text: 'The northern warehouse ships pallets every morning. Ask [REDACTED:email] for the schedule.',
  });
  expect(reply.json.results[0].score).toBeGreaterThan(reply.json.results[1].score);
});

test('searches the caller\'s tenant index with a k-NN query always filtered to the tenant, chunks and unexpired', async () => {
  await api.search({ query: 'warehouse', k: 5 });
  const [search] = searchBodies();
  expect(search.path).toBe('/tenant-acme/_search');
  expect(search.body.size).toBe(5);
  const knn = search.body.query.knn.embedding;
  expect(knn).toEqual({ vector: expect.any(Array), k: 5, filter: { bool: { filter: expect.any(Array) } } });
  expect(knn.filter.bool.filter).toEqual([
    { term: { tenant: 'acme' } },
    { term: { kind: 'chunk' } },
    { range: { expires: { gt: '2025-03-10T12:00:00.000Z' } } },
  ]);
  expect(search.body._source.includes).not.toContain('embedding');
});

test('another tenant searches its own index, with its own filter and credentials, and sees none of acme\'s documents', async () => {
  const reply = await api.search({ query: 'warehouse pallets' }, GLOBEX);
  expect(reply.json.results).toEqual([]);
  const [search] = searchBodies();
  expect(search.path).toBe('/tenant-globex/_search');
  expect(search.body.query.knn.embedding.filter.bool.filter[0]).toEqual({ term: { tenant: 'globex' } });
  expect(harness.opensearch.requests[0].headers.authorization).toContain(`Credential=${accessKeyOf('globex')}/`);
});

test('a chunk in the index that claims another tenant is filtered out', async () => {
  const [chunk] = [...harness.opensearch.docs('tenant-acme').values()].filter((doc) => doc.kind === 'chunk' && doc.origin === 'wiki://ops');
  harness.opensearch.put('tenant-acme', { ...chunk, tenant: 'globex', document_id: 'planted' });
  const reply = await api.search({ query: 'warehouse pallets schedule', k: 10 });
  expect(reply.json.results.map((result: { documentId: string }) => result.documentId)).not.toContain('planted');
});

test.each([
  [{ index: 'tenant-globex' }, 'index'],
  [{ tenant: 'globex' }, 'tenant'],
  [{ tenantId: 'globex' }, 'tenantId'],
  [{ filter: { index: 'tenant-globex' } }, 'filter.index'],
  [{ filter: { tenant: 'globex' } }, 'filter.tenant'],
  [{ filter: { tenantId: 'globex' } }, 'filter.tenantId'],
])('a search naming an index or tenant (%j) is refused with 400, before any call', async (extra, field) => {
  const reply = await api.search({ query: 'warehouse', ...extra });
  expect(reply.status).toBe(400);
  expect(reply.json).toEqual({ code: 'validation_failed', message: expect.any(String), details: { fields: [{ field, message: 'is not allowed' }] } });
  expect(harness.opensearch.requests).toHaveLength(0);
  expect(harness.sts.calls().length).toBe(0);
});

test('an ingest naming another tenant\'s index or tenant is refused with 400', async () => {
  for (const extra of [{ index: 'tenant-globex' }, { tenant: 'globex' }, { tenantId: 'globex' }]) {
    const reply = await api.ingest({ text: 'hello there', ...extra });
    expect(reply.status).toBe(400);
    expect(reply.json.details.fields).toEqual([{ field: Object.keys(extra)[0], message: 'is not allowed' }]);
  }
  expect(harness.opensearch.requests).toHaveLength(0);
});

test('metadata filters become term and range clauses inside the k-NN filter', async () => {
  const reply = await api.search({
    query: 'warehouse',
    filter: { app: 'acme-kb', origin: 'wiki://ops', author: 'ops-team', classification: ['confidential', 'regulated'], createdAfter: '2025-03-01T00:00:00+01:00', createdBefore: '2025-04-01T00:00:00Z' },
  });
  expect(reply.json.results.map((result: { origin: string }) => result.origin)).toEqual(['wiki://ops']);
  const [search] = searchBodies();
  expect(search.body.query.knn.embedding.filter.bool.filter.slice(3)).toEqual([
    { term: { app: 'acme-kb' } },
    { term: { origin: 'wiki://ops' } },
    { term: { author: 'ops-team' } },
    { terms: { classification: ['confidential', 'regulated'] } },
    { range: { created: { gt: '2025-02-28T23:00:00.000Z', lt: '2025-04-01T00:00:00.000Z' } } },
  ]);
});

test('minScore drops weaker results', async () => {
  const all = (await api.search({ query: 'warehouse pallets schedule' })).json.results;
  const threshold = (all[0].score + all[1].score) / 2;
  const reply = await api.search({ query: 'warehouse pallets schedule', minScore: threshold });
  expect(reply.json.results).toHaveLength(1);
  expect(searchBodies()[1].body.min_score).toBe(threshold);
});

test('the query is normalised and redacted before it is embedded', async () => {
  await api.search({ query: 'schedule   of  jane.doe@example.com' });
  expect(embeddedTexts(harness.bedrock).map((call) => call.body.inputText)).toEqual(['schedule of [REDACTED:email]']);
});

describe('text only with documents.text', () => {
  test('without the scope: no text in the results and no KMS Decrypt call at all', async () => {
    const reply = await api.search({ query: 'warehouse pallets' }, READER);
    expect(reply.status).toBe(200);
    expect(reply.json.results.length).toBeGreaterThan(0);
    for (const result of reply.json.results) expect(result).not.toHaveProperty('text');
    expect(harness.kms.commandCalls(DecryptCommand)).toHaveLength(0);
    expect(harness.kms.calls().length).toBe(0);
  });

  test('with the scope: text decrypted with the tenant key, credentials and context, one Decrypt per data key', async () => {
    const reply = await api.search({ query: 'warehouse pallets' });
    expect(reply.json.results.map((result: { text: string }) => result.text).sort()).toEqual(
      [PAYROLL, 'The northern warehouse ships pallets every morning. Ask [REDACTED:email] for the schedule.'].sort(),
    );
    const decrypts = harness.kms.commandCalls(DecryptCommand);
    expect(decrypts).toHaveLength(1); // both documents share the cached data key
    expect(decrypts[0].args[0].input).toMatchObject({ KeyId: keyArnOf('acme'), EncryptionContext: { tenant: 'acme' } });
    const credentials = await (decrypts[0].thisValue as KMSClient).config.credentials();
    expect(credentials.accessKeyId).toBe(accessKeyOf('acme'));
  });

  test('a ciphertext copied onto another document does not open', async () => {
    const docs = [...harness.opensearch.docs('tenant-acme').values()].filter((doc) => doc.kind === 'chunk');
    const warehouse = docs.find((doc) => doc.origin === 'wiki://ops')!;
    const payroll = docs.find((doc) => doc.origin === 'wiki://hr')!;
    payroll.ciphertext = warehouse.ciphertext;
    const reply = await api.search({ query: 'payroll working day' });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ code: 'internal_error', message: expect.any(String), details: {} });
  });
});

test('expired documents are not returned', async () => {
  clock.advanceDays(91);
  const reply = await api.search({ query: 'warehouse pallets' });
  expect(reply.json.results).toEqual([]);
  expect(harness.opensearch.docs('tenant-acme').size).toBeGreaterThan(0); // still stored: the sweeper deletes them
});

test('k is bounded from 1 to 50 and defaults to 10', async () => {
  for (const k of [0, 51, 2.5, '3']) {
    const reply = await api.search({ query: 'warehouse', k });
    expect(reply.status).toBe(400);
    expect(reply.json.details.fields).toEqual([{ field: 'k', message: 'must be an integer from 1 to 50' }]);
  }
  await api.search({ query: 'warehouse' });
  expect(searchBodies()[0].body.query.knn.embedding.k).toBe(10);
});

test('the vector searched is the embedding of the query', async () => {
  await api.search({ query: 'warehouse' });
  expect(searchBodies()[0].body.query.knn.embedding.vector).toEqual(embeddingOf('warehouse', 16));
});
