import { authorizer, DocumentsClient, TestClock } from './support/documents-api';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// GET /v1/documents/{id}, DELETE /v1/documents/{id} and POST /v1/documents/purge: always within the
// caller's tenant and app; deletion by search + bulk delete by id (the collection has no _delete_by_query).

const harness = Harness.install();
let clock: TestClock;
let api: DocumentsClient;

const OTHER_APP = { authorizer: authorizer({ appId: 'acme-crm' }) };
const GLOBEX = { authorizer: authorizer({ tenantId: 'globex', appId: 'globex-kb' }) };
const LONG = Array.from({ length: 12 }, (_, i) => `Section ${i} of the handbook describes the travel policy in detail.`).join(' ');

beforeEach(() => {
  clock = new TestClock();
  api = documentsApi(clock);
});

async function ingest(text: string, options = {}): Promise<string> {
  const reply = await api.ingest({ text, origin: 'wiki://handbook', author: 'hr' }, options);
  expect(reply.status).toBe(201);
  return reply.json.id as string;
}

const docsOf = (tenant: string) => [...harness.opensearch.docs(`tenant-${tenant}`).values()];

describe('GET /v1/documents/{id}', () => {
  test('answers the status and provenance of the caller\'s document', async () => {
    const id = await ingest(`${LONG} Mail hr@example.com.`);
    const reply = await api.status(id);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      id,
      status: 'indexed',
      chunks: expect.any(Number),
      created: '2025-03-10T12:00:00.000Z',
      expires: '2025-06-08T12:00:00.000Z',
      origin: 'wiki://handbook',
      author: 'hr',
      classification: 'internal',
      pii: ['email'],
    });
    expect(reply.json.chunks).toBeGreaterThan(1);
  });

  test('is 404 for another app of the tenant, another tenant, an unknown id and an expired document', async () => {
    const id = await ingest('The handbook covers expenses.');
    expect((await api.status(id, OTHER_APP)).status).toBe(404);
    expect((await api.status(id, GLOBEX)).status).toBe(404);
    expect((await api.status('00000000-0000-4000-8000-000000000000')).json).toEqual({ code: 'not_found', message: 'There is no such document.', details: {} });
    clock.advanceDays(91);
    expect((await api.status(id)).status).toBe(404);
  });

  test('looks in the caller\'s index, filtered by tenant, app and document', async () => {
    const id = await ingest('The handbook covers expenses.');
    harness.opensearch.requests.length = 0;
    await api.status(id);
    const [request] = harness.opensearch.requestsTo('/_search');
    expect(request.path).toBe('/tenant-acme/_search');
    expect(JSON.parse(request.body).query.bool.filter).toEqual(
      expect.arrayContaining([{ term: { tenant: 'acme' } }, { term: { document_id: id } }, { term: { app: 'acme-kb' } }]),
    );
  });

  test('a queued job older than the queue\'s retention reports failed', async () => {
    const text = Array.from({ length: 120 }, (_, i) => `Line ${i} of a long manual about safety equipment.`).join('\n');
    const queued = await api.ingest({ text });
    expect(queued.status).toBe(202);
    expect((await api.status(queued.json.id)).json.status).toBe('queued');
    clock.current = new Date(clock.current.getTime() + 61 * 60_000);
    expect((await api.status(queued.json.id)).json.status).toBe('failed');
  });

  test('an id that is not a UUID is 400', async () => {
    const reply = await api.status('not-a-uuid');
    expect(reply.status).toBe(400);
    expect(reply.json.details.fields).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });
});

describe('DELETE /v1/documents/{id}', () => {
  test('deletes the status document and every chunk, 204, and the document is gone', async () => {
    const id = await ingest(LONG);
    const keep = await ingest('Another document that stays.');
    const reply = await api.delete(id);
    expect(reply.status).toBe(204);
    expect(reply.json).toBeUndefined();
    expect(docsOf('acme').every((doc) => doc.document_id === keep)).toBe(true);
    expect((await api.status(id)).status).toBe(404);
  });

  test('deletes by id in _bulk, found by a search within the tenant, app and document; never _delete_by_query', async () => {
    const id = await ingest(LONG);
    harness.opensearch.requests.length = 0;
    await api.delete(id);
    expect(harness.opensearch.requestsTo('/_delete_by_query')).toHaveLength(0);
    const [search] = harness.opensearch.requestsTo('/_search');
    expect(JSON.parse(search.body)).toMatchObject({
      _source: false,
      query: { bool: { filter: [{ term: { tenant: 'acme' } }, { term: { document_id: id } }, { term: { app: 'acme-kb' } }] } },
    });
    const [bulk] = harness.opensearch.requestsTo('/_bulk');
    expect(bulk.path).toBe('/tenant-acme/_bulk');
    expect(bulk.body.split('\n').filter(Boolean).every((line) => Object.keys(JSON.parse(line))[0] === 'delete')).toBe(true);
  });

  test('is 404 for another app\'s or another tenant\'s document, which stays', async () => {
    const id = await ingest(LONG);
    const stored = docsOf('acme').length;
    expect((await api.delete(id, OTHER_APP)).status).toBe(404);
    expect((await api.delete(id, GLOBEX)).status).toBe(404);
    expect(docsOf('acme')).toHaveLength(stored);
  });
});

describe('POST /v1/documents/purge', () => {
  test('deletes every document of the calling app and nothing of other apps or tenants', async () => {
    await ingest(LONG);
    await ingest('A second note of the knowledge app.');
    await ingest('A note of the CRM app.', OTHER_APP);
    await ingest('A globex note.', GLOBEX);
    const reply = await api.purge();
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ deleted: expect.any(Number), complete: true });
    expect(docsOf('acme').map((doc) => doc.app)).toEqual(['acme-crm', 'acme-crm']);
    expect(docsOf('globex')).toHaveLength(2);
  });

  test('pages through the documents, excluding those it already deleted', async () => {
    for (let i = 0; i < 3; i += 1) await ingest(`${LONG} Copy ${i}.`);
    const stored = docsOf('acme').length;
    harness.opensearch.requests.length = 0;
    const reply = await api.purge();
    expect(reply.json.deleted).toBe(stored);
    const searches = harness.opensearch.requestsTo('/_search').map((request) => JSON.parse(request.body));
    expect(searches).toHaveLength(2); // one page of hits, then an empty page
    expect(searches[1].query.bool.must_not).toEqual([{ ids: { values: expect.any(Array) } }]);
    expect(searches[1].query.bool.must_not[0].ids.values).toHaveLength(stored);
  });
});
