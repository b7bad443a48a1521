import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { PREFIX, registryEntry, TOKENS } from './support/aws-fakes';
import { authorizer, DocumentsClient, TestClock } from './support/documents-api';
import { FakeOpenSearch } from './support/fake-opensearch';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// The edges of the documents API: who may call, what a request must look like, and where the tenant's
// index comes from. Every refusal uses the house envelope.

const harness = Harness.install();
let api: DocumentsClient;

beforeEach(() => {
  api = documentsApi(new TestClock());
});

const envelope = (code: string, details: unknown = expect.any(Object)) => ({ code, message: expect.any(String), details });

describe('bad requests get 4xx envelopes, and nothing reaches OpenSearch', () => {
  afterEach(() => expect(harness.opensearch.requests).toHaveLength(0));

  test('malformed JSON is 400 invalid_json', async () => {
    const reply = await api.send('POST', '/v1/documents', { rawBody: '{"text": "unterminated' });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(envelope('invalid_json', {}));
  });

  test('another content type is 415', async () => {
    const reply = await api.send('POST', '/v1/search', { body: { query: 'x' }, headers: { 'Content-Type': 'text/plain' } });
    expect(reply.status).toBe(415);
    expect(reply.json).toEqual(envelope('unsupported_media_type', { header: 'Content-Type' }));
  });

  test('unknown fields are 400, each named', async () => {
    const reply = await api.ingest({ text: 'hello', tags: ['a'], metadata: {} });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(
      envelope('validation_failed', {
        fields: [
          { field: 'tags', message: 'is not allowed' },
          { field: 'metadata', message: 'is not allowed' },
        ],
      }),
    );
  });

  test('text too long is 400 naming text', async () => {
    const reply = await api.ingest({ text: 'a'.repeat(400_001) });
    expect(reply.status).toBe(400);
    expect(reply.json.details.fields).toEqual([{ field: 'text', message: 'must be at most 400000 characters' }]);
  });

  test('a body over 1 MiB is 413', async () => {
    const reply = await api.ingest({ text: '\u0001'.repeat(200_000) }); // JSON escapes it six times over
    expect(reply.status).toBe(413);
    expect(reply.json).toEqual(envelope('payload_too_large', { limitBytes: 1048576 }));
  });

  test('missing, blank or mistyped fields are 400', async () => {
    expect((await api.ingest({})).json.details.fields).toEqual([{ field: 'text', message: 'is required' }]);
    expect((await api.ingest({ text: '   ' })).json.details.fields).toEqual([{ field: 'text', message: 'must not be blank' }]);
    expect((await api.ingest({ text: 'x', classification: 'secret' })).json.details.fields).toEqual([
      { field: 'classification', message: 'must be one of public, internal, confidential, regulated' },
    ]);
    expect((await api.search({ query: 'x', filter: { createdAfter: 'yesterday' } })).json.details.fields).toEqual([
      { field: 'filter.createdAfter', message: expect.stringContaining('ISO 8601') },
    ]);
    expect((await api.search({ query: 'x', minScore: -1 })).json.details.fields).toEqual([{ field: 'minScore', message: 'must be at least 0' }]);
    expect((await api.send('POST', '/v1/search', { rawBody: '[]' })).json.details.fields).toEqual([{ field: '(root)', message: 'must be a JSON object' }]);
  });

  test('an unknown resource is 404 and an unsupported method 405 with Allow', async () => {
    expect((await api.send('GET', '/v1/documents/{id}/chunks', { id: 'x' })).json).toEqual(envelope('route_not_found', {}));
    const reply = await api.send('PUT', '/v1/documents/{id}', { id: '00000000-0000-4000-8000-000000000000' });
    expect(reply.status).toBe(405);
    expect(reply.headers.Allow).toBe('GET, DELETE');
  });
});

describe('who may call', () => {
  test('no authorizer context is 401', async () => {
    const reply = await api.search({ query: 'x' }, { authorizer: null });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual(envelope('unauthorized', {}));
  });

  test('a route without its scope in the context is 403, checked again here after the authorizer', async () => {
    const reply = await api.ingest({ text: 'hello' }, { authorizer: authorizer({ scopes: 'documents.read documents.text' }) });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual(envelope('insufficient_scope', { scope: 'documents.write' }));
    expect(harness.sts.calls().length).toBe(0);
  });

  test('STS refusing the service token is 403, and nothing reaches OpenSearch', async () => {
    const reply = await api.search({ query: 'x' }, { token: TOKENS.globex }); // globex's token, acme's context
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual(envelope('forbidden', {}));
    expect(harness.sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((call) => call.args[0].input.RoleArn)).toEqual([
      'arn:aws:iam::123456789012:role/microplane-dev-tenant-acme',
    ]);
    expect(harness.opensearch.requests).toHaveLength(0);
  });
});

describe('the index comes from the caller\'s tenant registry entry', () => {
  test('read from SSM under the registry prefix and the caller\'s tenant', async () => {
    await api.search({ query: 'x' });
    expect(harness.ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual([`${PREFIX}acme`]);
  });

  test('the registry\'s endpoint is the one called', async () => {
    const other = new FakeOpenSearch();
    other.createIndex('tenant-acme');
    const endpoint = await other.start();
    try {
      harness.register({ acme: registryEntry('acme', endpoint) });
      expect((await api.search({ query: 'x' })).status).toBe(200);
      expect(other.requestsTo('/_search').map((request) => request.path)).toEqual(['/tenant-acme/_search']);
      expect(harness.opensearch.requests).toHaveLength(0);
    } finally {
      await other.stop();
    }
  });

  test('an entry naming another tenant\'s index is refused: 500, and nothing is sent', async () => {
    harness.register({ acme: registryEntry('acme', harness.endpoint, { index: 'tenant-globex' }) });
    const reply = await api.search({ query: 'x' });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual(envelope('internal_error', {}));
    expect(harness.opensearch.requests).toHaveLength(0);
  });

  test('a tenant without an entry gets 500 (a platform fault), not another tenant\'s index', async () => {
    harness.register({ globex: registryEntry('globex', harness.endpoint) });
    expect((await api.search({ query: 'x' })).status).toBe(500);
    expect(harness.opensearch.requests).toHaveLength(0);
  });

  test('an entry with a plain-HTTP endpoint off the loopback interface is refused', async () => {
    harness.register({ acme: registryEntry('acme', 'http://collection.example.com') });
    expect((await api.search({ query: 'x' })).status).toBe(500);
  });
});
