import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeTable } from '../throttle/support/fake-table';
import { captureLogs, fakeKms, fakeRegistry } from '../support/aws';
import { appRecord, PLATFORM_ENV, serviceClaims, SIGNING_KEY_ID } from '../support/fixtures';
import { ecKey, signToken } from '../support/tokens';

// The authorizer under budget throttling: the caller's tenant and app states decide the usage key
// (the app's, or the tenant's throttled key) or a Deny; states are cached per container; a state-store
// outage fails open to the normal answer, with an error metric and log.

const TABLE = 'microplane-dev-throttle-state';
Object.assign(process.env, PLATFORM_ENV, {
  THROTTLE_TABLE_NAME: TABLE,
  THROTTLED_USAGE_KEY_TEMPLATE: 'microplane-dev-{tenantId}-throttled',
  THROTTLE_STATE_CACHE_SECONDS: '30',
});

const STAGE_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/live/';
const WHOAMI_ARN = `${STAGE_ARN}GET/v1/whoami`;
const kms = mockClient(KMSClient);
const ssm = mockClient(SSMClient);
const dynamodb = mockClient(DynamoDBClient);
const signingKey = ecKey(SIGNING_KEY_ID);
let table: FakeTable;
let handler: (event: APIGatewayTokenAuthorizerEvent, context?: Context) => Promise<APIGatewayAuthorizerResult>;
let logs: ReturnType<typeof captureLogs>;

// Each test starts 10 minutes after the previous one, so no state cached by an earlier test is fresh.
const START = Date.now();
let clock = START;

function useFakeAws(): void {
  kms.reset();
  ssm.reset();
  dynamodb.reset();
  clearCaches();
  fakeKms(kms, signingKey);
  fakeRegistry(ssm, [appRecord(), appRecord({ appId: 'acme-crm', clientId: 'client-acme-crm', usageKey: 'usage-key-acme-crm' })]);
  table = new FakeTable(TABLE);
  table.install(dynamodb);
}

beforeAll(async () => {
  captureLogs();
  useFakeAws();
  ({ handler } = require('../../../lambdas/authorizer/handler') as typeof import('../../../lambdas/authorizer/handler'));
});

beforeEach(() => {
  clock += 600_000;
  jest.spyOn(Date, 'now').mockImplementation(() => clock);
  useFakeAws();
  logs = captureLogs();
});

afterEach(() => jest.restoreAllMocks());

const authorize = (claims: Record<string, unknown> = {}): Promise<APIGatewayAuthorizerResult> =>
  handler({ type: 'TOKEN', authorizationToken: `Bearer ${signToken(serviceClaims({ scope: 'whoami.read', ...claims }), signingKey)}`, methodArn: WHOAMI_ARN }, {
    awsRequestId: 'request-0001',
  } as Context);

/** A state item as the throttle function writes it; `ended` puts its period in the past. */
function storeState(subject: string, state: 'normal' | 'throttled' | 'blocked', options: { ended?: boolean } = {}): void {
  const nowSeconds = Math.floor(clock / 1000);
  table.put({
    subject: { S: subject },
    state: { S: state },
    stateRank: { N: String({ normal: 0, throttled: 1, blocked: 2 }[state]) },
    period: { S: '2026-11' },
    periodEnd: { N: String(options.ended ? nowSeconds - 1 : nowSeconds + 86_400) },
    liftedRank: { N: '0' },
    tenantId: { S: 'acme' },
  });
}

const isDenyAll = (result: APIGatewayAuthorizerResult): boolean =>
  result.policyDocument.Statement.length === 1 && result.policyDocument.Statement[0].Effect === 'Deny';

function emfMetrics(): string[] {
  return logs
    .lines()
    .filter((line) => '_aws' in line)
    .flatMap((line) => (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0].Metrics.map((metric) => metric.Name));
}

test('a caller with no state gets its app\'s usage key, after one read of both subjects', async () => {
  // WHEN
  const result = await authorize();
  // THEN
  expect(result.usageIdentifierKey).toBe('usage-key-acme-notes');
  expect(result.context).not.toHaveProperty('throttled');
  const calls = dynamodb.commandCalls(BatchGetItemCommand);
  expect(calls).toHaveLength(1);
  expect(calls[0].args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([{ subject: { S: 'tenant#acme' } }, { subject: { S: 'app#acme-notes' } }]);
});

test('a throttled tenant\'s apps are metered on the tenant\'s throttled key, and keep their routes', async () => {
  // GIVEN
  storeState('tenant#acme', 'throttled');
  // WHEN
  const result = await authorize();
  // THEN
  expect(result.usageIdentifierKey).toBe('microplane-dev-acme-throttled');
  expect(result.context).toMatchObject({ tenantId: 'acme', appId: 'acme-notes', throttled: 'true' });
  expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: [WHOAMI_ARN] });
});

test('a throttled app alone is also metered on its tenant\'s throttled key', async () => {
  storeState('app#acme-notes', 'throttled');
  expect((await authorize()).usageIdentifierKey).toBe('microplane-dev-acme-throttled');
  expect((await authorize({ app_id: 'acme-crm' })).usageIdentifierKey).toBe('usage-key-acme-crm');
});

test('a blocked tenant is denied every route (403), with the reason in the context and the log', async () => {
  // GIVEN
  storeState('tenant#acme', 'blocked');
  // WHEN
  const result = await authorize();
  // THEN
  expect(isDenyAll(result)).toBe(true);
  expect(result.usageIdentifierKey).toBeUndefined();
  expect(result.context).toEqual({ tenantId: 'acme', appId: 'acme-notes', denyReason: 'budget_blocked' });
  expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'WARN', denyReason: 'budget_blocked', subject: 'tenant#acme' }));
  expect(emfMetrics()).toEqual(['Requests', 'Latency', 'Denials']);
});

test('a blocked app is denied even when its tenant is only throttled', async () => {
  storeState('tenant#acme', 'throttled');
  storeState('app#acme-notes', 'blocked');
  expect(isDenyAll(await authorize())).toBe(true);
});

test('a state of an ended period counts as normal', async () => {
  storeState('tenant#acme', 'blocked', { ended: true });
  const result = await authorize();
  expect(isDenyAll(result)).toBe(false);
  expect(result.usageIdentifierKey).toBe('usage-key-acme-notes');
});

test('states are cached for THROTTLE_STATE_CACHE_SECONDS, then read again', async () => {
  // GIVEN a normal caller, read once
  await authorize();
  // WHEN the tenant is blocked 29 seconds later
  storeState('tenant#acme', 'blocked');
  clock += 29_000;
  const cached = await authorize();
  // THEN the cached normal state still answers, without a read
  expect(isDenyAll(cached)).toBe(false);
  expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(1);
  // WHEN the cache has expired
  clock += 2_000;
  const fresh = await authorize();
  // THEN the block is seen
  expect(isDenyAll(fresh)).toBe(true);
  expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(2);
});

test('keys the table could not read at once are read again', async () => {
  dynamodb
    .on(BatchGetItemCommand)
    .resolvesOnce({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: [{ subject: { S: 'tenant#acme' } }] } } })
    .resolves({ Responses: { [TABLE]: [{ subject: { S: 'tenant#acme' }, stateRank: { N: '2' }, periodEnd: { N: String(Math.floor(clock / 1000) + 60) } }] } });
  expect(isDenyAll(await authorize())).toBe(true);
  expect(dynamodb.commandCalls(BatchGetItemCommand)[1].args[0].input.RequestItems?.[TABLE]?.Keys).toEqual([{ subject: { S: 'tenant#acme' } }]);
});

test('a state-store outage fails open to the normal answer, with an error metric and log', async () => {
  // GIVEN the table cannot be read
  dynamodb.on(BatchGetItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
  // WHEN
  const result = await authorize();
  // THEN the caller is served as normal …
  expect(isDenyAll(result)).toBe(false);
  expect(result.usageIdentifierKey).toBe('usage-key-acme-notes');
  // … and the outage is visible
  expect(emfMetrics()).toEqual(['ThrottleStateErrors', 'Requests', 'Latency']);
  expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Throttle state unavailable: answering as if normal' }));
});
