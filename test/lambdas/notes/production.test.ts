import { ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { tenantDatabases } from '../../../lambdas/notes/production';
import { TenantCredentials } from '../../../lambdas/shared/tenant-credentials';
import { captureLogs } from '../support/aws';
import { loadNotesModule, NOTES_ENV, NotesClient } from './support/notes-api';

// The production `databaseFor` at the SDK boundary: SSM for where the tenant's schema lives, STS for the
// tenant's credentials (exchanged for the caller's own service token), and the RDS Data API with the
// tenant's own secret.

const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
const rds = mockClient(RDSDataClient);

const PREFIX = NOTES_ENV.TENANT_DATABASE_PARAMETER_PREFIX;
const ROLE_TEMPLATE = NOTES_ENV.TENANT_ROLE_ARN_TEMPLATE;
const START = Date.parse('2025-03-10T12:00:00Z');
const ACME_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJhY21lIn0.YWNtZQ';
const GLOBEX_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ0ZW5hbnRfaWQiOiJnbG9iZXgifQ.Z2xvYmV4';
const TOKENS: Record<string, string> = { acme: ACME_TOKEN, globex: GLOBEX_TOKEN, initech: 'x.y.z', '../acme': 'x.y.z' };

function settings(tenantId: string) {
  return {
    clusterArn: `arn:aws:rds:eu-west-1:123456789012:cluster:microplane-dev-pooled`,
    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane-dev-tenant-${tenantId}-AbCdEf`,
    database: 'microplane',
    schema: `tenant_${tenantId.replaceAll('-', '_')}`,
  };
}

let clock: number;
let assumed: number;

beforeAll(() => {
  Object.assign(process.env, NOTES_ENV);
});

beforeEach(() => {
  ssm.reset();
  sts.reset();
  rds.reset();
  clearCaches();
  clock = START;
  assumed = 0;
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'ParameterNotFound', $metadata: {} }));
  for (const tenantId of ['acme', 'globex']) {
    ssm.on(GetParameterCommand, { Name: `${PREFIX}${tenantId}` }).resolves({
      Parameter: { Name: `${PREFIX}${tenantId}`, Type: 'String', Value: JSON.stringify(settings(tenantId)) },
    });
  }
  sts.on(AssumeRoleWithWebIdentityCommand).callsFake(async () => {
    assumed += 1;
    return {
      Credentials: { AccessKeyId: `ASIA${assumed}`, SecretAccessKey: 'secret', SessionToken: 'session', Expiration: new Date(clock + 900_000) },
    };
  });
  rds.on(ExecuteStatementCommand).resolves({ columnMetadata: [{ name: 'one', typeName: 'int4' }], records: [[{ longValue: 1 }]] });
});

function databases() {
  const credentials = new TenantCredentials({ roleArnTemplate: ROLE_TEMPLATE, now: () => clock });
  const databaseFor = tenantDatabases({ parameterPrefix: PREFIX, credentials });
  return (tenantId: string, token = TOKENS[tenantId]) => databaseFor(tenantId, token);
}

test('reads the tenant\'s database settings from SSM under the registry prefix', async () => {
  await databases()('acme');
  expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input.Name)).toEqual([`${PREFIX}acme`]);
});

test('exchanges the caller\'s service token for the tenant role, never assuming it with its own rights', async () => {
  await databases()('acme');
  expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((call) => call.args[0].input)).toEqual([
    expect.objectContaining({ RoleArn: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-acme', WebIdentityToken: ACME_TOKEN }),
  ]);
  expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
});

test('a tenant id the token does not prove is refused by STS with 403, before any statement runs', async () => {
  sts
    .on(AssumeRoleWithWebIdentityCommand, { RoleArn: 'arn:aws:iam::123456789012:role/microplane-dev-tenant-globex', WebIdentityToken: ACME_TOKEN })
    .rejects(new STSServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: {}, message: 'Not authorized' }));
  await expect(databases()('globex', ACME_TOKEN)).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  expect(rds.calls()).toHaveLength(0);
});

test('runs statements through the Data API with the tenant\'s secret and cluster, as the tenant', async () => {
  const db = await databases()('acme');
  expect(await db.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  const [call] = rds.commandCalls(ExecuteStatementCommand);
  expect(call.args[0].input).toMatchObject({
    resourceArn: settings('acme').clusterArn,
    secretArn: settings('acme').secretArn,
    database: 'microplane',
    sql: 'SELECT 1 AS one',
  });
  const client = call.thisValue as RDSDataClient;
  await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIA1', sessionToken: 'session' });
});

test('keeps one client per session until its credentials are renewed', async () => {
  const databaseFor = databases();
  const first = await databaseFor('acme');
  expect(await databaseFor('acme')).toBe(first);
  expect(await databaseFor('globex')).not.toBe(first);
  clock += 850_000; // within a minute of expiry: TenantCredentials renews
  const renewed = await databaseFor('acme');
  expect(renewed).not.toBe(first);
  await renewed.query('SELECT 1 AS one');
  const client = rds.commandCalls(ExecuteStatementCommand).at(-1)!.thisValue as RDSDataClient;
  await expect(client.config.credentials()).resolves.toMatchObject({ accessKeyId: 'ASIA3' });
});

test('a tenant without a registry entry fails, and so does a malformed entry', async () => {
  await expect(databases()('initech')).rejects.toThrow();
  ssm.on(GetParameterCommand, { Name: `${PREFIX}acme` }).resolves({
    Parameter: { Name: `${PREFIX}acme`, Type: 'String', Value: JSON.stringify({ clusterArn: 'not-an-arn' }) },
  });
  await expect(databases()('acme')).rejects.toThrow('The database registry entry of tenant acme is malformed');
});

test('an invalid tenant id reaches neither SSM nor STS', async () => {
  await expect(databases()('../acme')).rejects.toThrow('Invalid tenant id');
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  expect(sts.calls()).toHaveLength(0);
});

test('the deployed handler reads a note through the Data API of the tenant from the authorizer context', async () => {
  captureLogs();
  const { createNotesHandler } = loadNotesModule();
  rds.on(ExecuteStatementCommand).resolves({
    columnMetadata: ['id', 'title', 'body', 'tags', 'version', 'created_by', 'created_at', 'updated_at', 'deleted_at', 'position_at'].map(
      (name, i) => ({ name, typeName: ['text', 'text', 'text', 'jsonb', 'int4', 'text', 'timestamptz', 'timestamptz', 'timestamptz', 'text'][i] }),
    ),
    records: [
      [
        { stringValue: '0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10' },
        { stringValue: 'From Aurora' },
        { stringValue: '' },
        { stringValue: '["x"]' },
        { longValue: 4 },
        { stringValue: 'user-0001' },
        { stringValue: '2025-03-10 12:00:00.123456' },
        { stringValue: '2025-03-10 12:05:00' },
        { isNull: true },
        { stringValue: '2025-03-10T12:00:00.123456Z' },
      ],
    ],
  });
  const credentials = new TenantCredentials({ roleArnTemplate: ROLE_TEMPLATE, now: () => clock });
  const api = new NotesClient(createNotesHandler({ databaseFor: tenantDatabases({ parameterPrefix: PREFIX, credentials }) }));
  const reply = await api.get('0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10', { headers: { Authorization: `bearer ${ACME_TOKEN}` } });
  expect(reply.status).toBe(200);
  expect(reply.json).toEqual({
    id: '0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10',
    title: 'From Aurora',
    body: '',
    tags: ['x'],
    version: 4,
    createdBy: 'user-0001',
    createdAt: '2025-03-10T12:00:00.123Z',
    updatedAt: '2025-03-10T12:05:00.000Z',
    deletedAt: null,
  });
  expect(reply.headers.ETag).toBe('"4"');
  const [call] = rds.commandCalls(ExecuteStatementCommand);
  expect(call.args[0].input).toMatchObject({
    secretArn: settings('acme').secretArn,
    resourceArn: settings('acme').clusterArn,
    parameters: expect.arrayContaining([
      { name: 'appId', value: { stringValue: 'acme-notes' } },
      { name: 'id', value: { stringValue: '0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10' } },
    ]),
  });
  // The credentials came from the caller's own token, forwarded by the gateway in Authorization.
  expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand).map((c) => c.args[0].input.WebIdentityToken)).toEqual([ACME_TOKEN]);
  jest.restoreAllMocks();
});

test('the deployed handler answers 403, not 500, when the request carries no service token to exchange', async () => {
  captureLogs();
  const { createNotesHandler } = loadNotesModule();
  const credentials = new TenantCredentials({ roleArnTemplate: ROLE_TEMPLATE, now: () => clock });
  const api = new NotesClient(createNotesHandler({ databaseFor: tenantDatabases({ parameterPrefix: PREFIX, credentials }) }));
  const reply = await api.get('0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10');
  expect(reply.status).toBe(403);
  expect(reply.json).toMatchObject({ code: 'forbidden' });
  expect(sts.calls()).toHaveLength(0);
  jest.restoreAllMocks();
});

test('the module-level handler is built from the environment at cold start', () => {
  const { handler } = loadNotesModule();
  expect(handler).toEqual(expect.any(Function));
});
