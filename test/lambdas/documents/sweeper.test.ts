import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { DOCUMENTS_ENV, PREFIX, registryEntry } from './support/aws-fakes';
import { DocumentsClient, TestClock } from './support/documents-api';
import { Harness } from './support/harness';
import { documentsApi } from './support/load';

// The TTL sweeper: every tenant in the registry, its own index, its own role (never a tenant's), expired
// documents deleted by id, bounded per run, counts logged per tenant.

type SweeperModule = typeof import('../../../lambdas/documents-sweeper/handler');
type SweeperProduction = typeof import('../../../lambdas/documents-sweeper/production');

const harness = Harness.install();
let clock: TestClock;
let api: DocumentsClient;

beforeEach(() => {
  clock = new TestClock();
  api = documentsApi(clock);
});

function sweeper(maxDeletesPerTenant?: number) {
  const { createSweeperHandler } = require('../../../lambdas/documents-sweeper/handler') as SweeperModule;
  const { productionDeps } = require('../../../lambdas/documents-sweeper/production') as SweeperProduction;
  return createSweeperHandler({ ...productionDeps(), now: clock.now, ...(maxDeletesPerTenant ? { maxDeletesPerTenant } : {}) });
}

const GLOBEX = { authorizer: { tenantId: 'globex', appId: 'globex-kb', scopes: 'documents.read documents.write', subject: 'u' } };
const docsOf = (tenant: string) => [...harness.opensearch.docs(`tenant-${tenant}`).values()];

async function seed(): Promise<void> {
  expect((await api.ingest({ text: 'A short-lived note about the canteen menu.', ttlDays: 1 })).status).toBe(201);
  expect((await api.ingest({ text: 'A long-lived note about the pension plan.', ttlDays: 30 })).status).toBe(201);
  expect((await api.ingest({ text: 'Globex short-lived note on parking.', ttlDays: 1 }, GLOBEX)).status).toBe(201);
}

test('deletes expired documents in every tenant\'s index and keeps the rest', async () => {
  await seed();
  clock.advanceDays(2);
  const summary = await sweeper()({});
  expect(summary).toEqual({ tenants: 2, deleted: 4, incomplete: [], failed: [], skipped: [] });
  expect(docsOf('acme').map((doc) => doc.expires)).toEqual(['2025-04-09T12:00:00.000Z', '2025-04-09T12:00:00.000Z']);
  expect(docsOf('globex')).toEqual([]);
});

test('reads every registry page under the prefix', async () => {
  await sweeper()({});
  // One parameter per page here: two tenants take two pages.
  const calls = harness.ssm.commandCalls(GetParametersByPathCommand).map((call) => call.args[0].input);
  expect(calls).toHaveLength(2);
  expect(calls.every((input) => input.Path === PREFIX && input.Recursive === false)).toBe(true);
});

test('searches each tenant\'s index for expired documents of that tenant only, without reading their content', async () => {
  await seed();
  clock.advanceDays(2);
  harness.opensearch.requests.length = 0;
  await sweeper()({});
  const searches = harness.opensearch.requestsTo('/_search').map((request) => ({ path: request.path, body: JSON.parse(request.body) }));
  expect(searches.map((search) => search.path).sort()).toEqual(['/tenant-acme/_search', '/tenant-acme/_search', '/tenant-globex/_search', '/tenant-globex/_search']);
  const first = searches.find((search) => search.path === '/tenant-globex/_search')!;
  expect(first.body).toEqual({
    size: 500,
    _source: false,
    query: { bool: { filter: [{ term: { tenant: 'globex' } }, { range: { expires: { lt: '2025-03-12T12:00:00.000Z' } } }], must_not: [] } },
  });
  expect(harness.opensearch.requestsTo('/_delete_by_query')).toHaveLength(0);
});

test('signs with its own role from the default credential chain, never with a tenant\'s, and calls neither STS nor KMS', async () => {
  await seed();
  clock.advanceDays(2);
  harness.opensearch.requests.length = 0;
  harness.sts.resetHistory();
  harness.kms.resetHistory();
  await sweeper()({});
  expect(harness.opensearch.requests.length).toBeGreaterThan(0);
  for (const request of harness.opensearch.requests) {
    expect(request.headers.authorization).toMatch(new RegExp(`Credential=${DOCUMENTS_ENV.AWS_ACCESS_KEY_ID}/\\d{8}/eu-west-1/aoss/aws4_request`));
  }
  expect(harness.sts.calls().length).toBe(0);
  expect(harness.kms.calls().length).toBe(0);
});

test('deletes at most the per-run bound per tenant and reports the rest as incomplete', async () => {
  await seed();
  clock.advanceDays(2);
  const summary = await sweeper(1)({});
  expect(summary.deleted).toBe(2);
  expect([...summary.incomplete].sort()).toEqual(['acme', 'globex']);
  expect(docsOf('acme')).toHaveLength(3);
});

test('logs the count per tenant', async () => {
  await seed();
  clock.advanceDays(2);
  await sweeper()({});
  const swept = harness.logs.lines().filter((line) => line.message === 'Tenant swept');
  expect(swept.map(({ tenantId, deleted, complete }) => ({ tenantId, deleted, complete }))).toEqual(
    expect.arrayContaining([
      { tenantId: 'acme', deleted: 2, complete: true },
      { tenantId: 'globex', deleted: 2, complete: true },
    ]),
  );
});

test('a malformed entry does not stop the others; the run then fails so the error alarm sees it', async () => {
  await seed();
  clock.advanceDays(2);
  harness.register({ acme: { endpoint: harness.endpoint }, globex: registryEntry('globex', harness.endpoint) });
  await expect(sweeper()({})).rejects.toThrow('Sweep failed for 1 tenants');
  expect(docsOf('globex')).toEqual([]);
  expect(docsOf('acme')).toHaveLength(4);
});

test('stops starting tenants when the time budget runs out', async () => {
  const summary = await sweeper()({}, { getRemainingTimeInMillis: () => 10_000 });
  expect([...summary.skipped].sort()).toEqual(['acme', 'globex']);
  expect(harness.opensearch.requests).toHaveLength(0);
});
