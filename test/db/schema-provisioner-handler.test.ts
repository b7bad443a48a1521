import './support/provisioner-env';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  type ExecuteStatementCommandInput,
  type ExecuteStatementCommandOutput,
} from '@aws-sdk/client-rds-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { Logger } from '@aws-lambda-powertools/logger';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createHandler, handler, type ProvisionerDependencies } from '../../lambdas/schema-provisioner/handler';
import { loadMigrations, migrationsChecksum, MIGRATIONS_DIR, type Migration } from '../../lambdas/schema-provisioner/migrations';
import { splitSqlStatements } from '../../lambdas/schema-provisioner/sql-splitter';
import { captureLogs } from '../lambdas/support/aws';
import { migrationsFolder, NOTES_V1 } from './support/tenant-cluster';

const REGION = 'eu-west-1';
const CLUSTER_ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:microplane-dev-pooled';
const ADMIN_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane/dev/database/admin-AAAAAA';
const TENANT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane/dev/tenants/acme/database-BBBBBB';
const PASSWORD = 'Tenant0Password0From0The0Secret0000000001';
const BROKEN = 'CREATE TABLE partial (id int);\nINSERT INTO missing_table VALUES (1);';

const sts = mockClient(STSClient);
const secrets = mockClient(SecretsManagerClient);
const rds = mockClient(RDSDataClient);
let migrations: Migration[];
let deps: ProvisionerDependencies;
let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  logs = captureLogs();
  sts.reset();
  secrets.reset();
  rds.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'tenant_acme', password: PASSWORD }) });
  fakeDataApi();
  migrations = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_tags.sql': 'CREATE TABLE tags (tag text);' }).migrations;
  deps = {
    rdsData: new RDSDataClient({ region: REGION }),
    secretsManager: new SecretsManagerClient({ region: REGION }),
    migrations: () => migrations,
    logger: new Logger({ serviceName: 'schema-provisioner' }),
  };
});

afterEach(() => {
  jest.restoreAllMocks();
});

function event(requestType: 'Create' | 'Update' | 'Delete', properties: Record<string, string> = {}): CdkCustomResourceEvent {
  return {
    RequestType: requestType,
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/',
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/microplane-dev-tenant-acme/1',
    RequestId: 'request-0001',
    LogicalResourceId: 'TenantSchema',
    ResourceType: 'Custom::MicroplaneTenantSchema',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
      TenantId: 'acme',
      ClusterArn: CLUSTER_ARN,
      AdminSecretArn: ADMIN_SECRET_ARN,
      TenantSecretArn: TENANT_SECRET_ARN,
      Database: 'microplane',
      MigrationsChecksum: migrationsChecksum(migrations),
      ...properties,
    },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'tenant-database-acme' }),
    ...(requestType === 'Update' ? { OldResourceProperties: {} } : {}),
  } as CdkCustomResourceEvent;
}

/**
 * A Data API that answers the provisioning queries: `format()` as PostgreSQL would for plain names,
 * no existing role or schema, and a database error for any statement matching `failOn`.
 */
function fakeDataApi(failOn?: RegExp): void {
  let transactions = 0;
  rds.on(BeginTransactionCommand).callsFake(async () => ({ transactionId: `tx-${++transactions}` }));
  rds.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
  rds.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
  rds.on(ExecuteStatementCommand).callsFake(async (input: ExecuteStatementCommandInput): Promise<Partial<ExecuteStatementCommandOutput>> => {
    const sql = input.sql ?? '';
    const params = Object.fromEntries((input.parameters ?? []).map((p) => [p.name, p.value?.stringValue]));
    if (failOn?.test(sql)) {
      throw new DatabaseErrorException({ message: 'ERROR: relation "missing_table" does not exist\n  Position: 13; SQLState: 42P01', $metadata: {} });
    }
    if (sql.startsWith('SELECT format(')) return rowOf('statement', 'text', { stringValue: pgFormat(params) });
    if (sql.startsWith('SELECT EXISTS')) return rowOf('found', 'bool', { booleanValue: false });
    if (sql.includes('RETURNING version')) return rowOf('version', 'text', { stringValue: params.version as string });
    return { records: [], columnMetadata: [] };
  });
}

function rowOf(name: string, typeName: string, field: object): Partial<ExecuteStatementCommandOutput> {
  return { columnMetadata: [{ name, typeName }], records: [[field as never]] };
}

/** PostgreSQL's format() for the plain names and literals these tests use. */
function pgFormat(params: Record<string, string | undefined>): string {
  let i = 0;
  return (params.template ?? '').replace(/%[IL]/g, (placeholder) => {
    const value = params[`arg${i++}`] ?? '';
    return placeholder === '%L' ? `'${value.replaceAll("'", "''")}'` : value;
  });
}

/** The Data API calls in order, as `who: SQL`, with format() round trips left out (their result is shown). */
function transcript(): string[] {
  return rds.calls().flatMap((call) => {
    const command = call.args[0] as { input: ExecuteStatementCommandInput };
    const { input } = command;
    const who = input.secretArn === ADMIN_SECRET_ARN ? 'admin' : input.secretArn === TENANT_SECRET_ARN ? 'tenant' : 'unknown';
    if (command instanceof BeginTransactionCommand) return [`${who}: BEGIN`];
    if (command instanceof CommitTransactionCommand) return [`${who}: COMMIT`];
    if (command instanceof RollbackTransactionCommand) return [`${who}: ROLLBACK`];
    if (input.sql?.startsWith('SELECT format(')) return [];
    const sql = (input.sql ?? '').replace(/\s+/g, ' ').replace(/'SCRAM-SHA-256\$[^']+'/, "'<scram verifier>'");
    return [`${who}${input.transactionId ? ' (tx)' : ''}: ${sql}`];
  });
}

describe('Create', () => {
  test('reads the tenant secret as its own role, which the tenant stack granted that one secret, and never assumes a tenant role', async () => {
    // WHEN
    await createHandler(deps)(event('Create'));
    // THEN the secret was read by the function's own client
    const [read] = secrets.commandCalls(GetSecretValueCommand);
    expect(read.args[0].input).toEqual({ SecretId: TENANT_SECRET_ARN });
    expect(read.thisValue).toBe(deps.secretsManager);
    // AND no tenant credentials were obtained: the provisioner holds no sts:AssumeRole right
    expect(sts.calls()).toHaveLength(0);
  });

  test('sends the provisioning statements as the admin, then the migrations as the tenant, in order', async () => {
    // WHEN
    await createHandler(deps)(event('Create'));
    // THEN
    expect(transcript()).toEqual([
      'admin: BEGIN',
      "admin (tx): SELECT true AS locked FROM pg_advisory_xact_lock(hashtext('microplane.provision-tenant'))",
      'admin (tx): SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found',
      "admin (tx): CREATE ROLE tenant_acme WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD '<scram verifier>'",
      'admin (tx): ALTER ROLE tenant_acme SET search_path = tenant_acme',
      'admin (tx): SELECT pg_get_userbyid(nspowner)::text AS owner FROM pg_namespace WHERE nspname = :schema',
      'admin (tx): GRANT tenant_acme TO CURRENT_USER',
      'admin (tx): CREATE SCHEMA tenant_acme AUTHORIZATION tenant_acme',
      'admin (tx): REVOKE tenant_acme FROM CURRENT_USER',
      'admin (tx): REVOKE ALL ON DATABASE microplane FROM PUBLIC',
      'admin (tx): REVOKE ALL ON SCHEMA public FROM PUBLIC',
      'admin (tx): GRANT CONNECT ON DATABASE microplane TO tenant_acme',
      expect.stringMatching(/^admin \(tx\): SELECT g\.rolname::text AS granted FROM pg_auth_members/),
      expect.stringMatching(/^admin \(tx\): SELECT n\.nspname::text AS schema FROM pg_namespace n WHERE .*has_schema_privilege/),
      'admin: COMMIT',
      expect.stringMatching(/^tenant: CREATE TABLE IF NOT EXISTS "tenant_acme"\.schema_migrations \(version text PRIMARY KEY/),
      'tenant: SELECT version, name, checksum FROM "tenant_acme".schema_migrations ORDER BY version',
      ...migrations.flatMap((migration) => [
        'tenant: BEGIN',
        'tenant (tx): SET LOCAL search_path TO "tenant_acme"',
        'tenant (tx): INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum) ON CONFLICT (version) DO NOTHING RETURNING version',
        ...splitSqlStatements(migration.sql).map((statement) => `tenant (tx): ${statement.replace(/\s+/g, ' ')}`),
        'tenant: COMMIT',
      ]),
    ]);
  });

  test('every statement goes to the cluster and database of the properties; tenant statements log in with the tenant secret', async () => {
    await createHandler(deps)(event('Create'));
    const statements = rds.commandCalls(ExecuteStatementCommand);
    expect(statements.every((call) => call.args[0].input.resourceArn === CLUSTER_ARN && call.args[0].input.database === 'microplane')).toBe(true);
    const tenantCalls = statements.filter((call) => call.args[0].input.secretArn === TENANT_SECRET_ARN);
    expect(tenantCalls.length).toBeGreaterThan(0);
    const adminCall = statements.find((call) => call.args[0].input.secretArn === ADMIN_SECRET_ARN);
    expect(adminCall?.thisValue).toBe(deps.rdsData);
  });

  test('returns the stable physical id and the schema, role and version', async () => {
    expect(await createHandler(deps)(event('Create'))).toEqual({
      PhysicalResourceId: 'tenant-database-acme',
      Data: { Schema: 'tenant_acme', Role: 'tenant_acme', Version: '0002' },
    });
  });

  test('logs the tenant and the migrations applied, never the password', async () => {
    // GIVEN
    // WHEN
    await createHandler(deps)(event('Create'));
    // THEN
    expect(logs.lines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: 'Migration applied', migration: '0001_notes.sql', tenantId: 'acme' }),
        expect.objectContaining({ message: 'Tenant schema provisioned', applied: ['0001_notes.sql', '0002_tags.sql'], version: '0002' }),
      ]),
    );
    expect(logs.text()).not.toContain(PASSWORD);
    expect(logs.text()).not.toContain('SCRAM');
  });

  test('a failing migration fails the deploy with an error naming it and carrying the database message', async () => {
    // GIVEN
    migrations = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_broken.sql': BROKEN }).migrations;
    fakeDataApi(/missing_table/);
    // WHEN
    const outcome = createHandler(deps)(event('Create'));
    // THEN
    await expect(outcome).rejects.toThrow(
      'Migration 0002_broken.sql failed: ERROR: relation "missing_table" does not exist\n  Position: 13; SQLState: 42P01',
    );
    expect(transcript().slice(-2)).toEqual(['tenant (tx): INSERT INTO missing_table VALUES (1)', 'tenant: ROLLBACK']);
    expect(logs.lines()).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'ERROR', tenantId: 'acme' })]));
  });

  test('a bundle whose migrations are not the deployed set fails before reading the secret or touching the database', async () => {
    await expect(createHandler(deps)(event('Create', { MigrationsChecksum: 'f'.repeat(64) }))).rejects.toThrow(
      /The function's migrations \(checksum [0-9a-f]{64}, 2 files\) are not the deployed set/,
    );
    expect(secrets.calls()).toHaveLength(0);
    expect(rds.calls()).toHaveLength(0);
  });

  test('a tenant secret naming another role is refused before touching the database', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'tenant_globex', password: PASSWORD }) });
    await expect(createHandler(deps)(event('Create'))).rejects.toThrow("The tenant secret's username is tenant_globex, but the tenant's role is tenant_acme");
    expect(rds.calls()).toHaveLength(0);
  });

  test('invalid properties fail the deploy, naming the property', async () => {
    await expect(createHandler(deps)(event('Create', { TenantId: 'Acme_Corp' }))).rejects.toThrow(
      'Invalid tenant schema properties: TenantId must be a lowercase DNS label of 3 to 32 characters',
    );
  });
});

describe('Update', () => {
  test('keeps the physical id, so an update never replaces the schema', async () => {
    const response = await createHandler(deps)(event('Update'));
    expect(response.PhysicalResourceId).toBe('tenant-database-acme');
  });
});

describe('Delete', () => {
  test('disables the login as the admin and keeps the schema, without acting as the tenant', async () => {
    // GIVEN a role that exists
    rds.on(ExecuteStatementCommand, { sql: 'SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found' }).resolves(
      rowOf('found', 'bool', { booleanValue: true }) as ExecuteStatementCommandOutput,
    );
    // WHEN
    const response = await createHandler(deps)(event('Delete'));
    // THEN
    expect(response).toEqual({ PhysicalResourceId: 'tenant-database-acme' });
    expect(transcript()).toEqual([
      'admin: SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found',
      'admin: ALTER ROLE tenant_acme NOLOGIN',
    ]);
    expect(transcript().join('\n')).not.toMatch(/DROP/);
    expect(sts.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  test('a delete with invalid properties (a create that never ran) succeeds without touching anything', async () => {
    const response = await createHandler(deps)(event('Delete', { TenantId: 'Not A Tenant' }));
    expect(response).toEqual({ PhysicalResourceId: 'tenant-database-acme' });
    expect(rds.calls()).toHaveLength(0);
  });
});

test('the exported handler provisions with the real clients and the migrations shipped beside it', async () => {
  // GIVEN the platform's own migrations, as the bundle ships them
  const shipped = loadMigrations(MIGRATIONS_DIR);
  migrations = shipped;
  // WHEN
  const response = await handler(event('Create'));
  // THEN
  expect(response.Data).toEqual({ Schema: 'tenant_acme', Role: 'tenant_acme', Version: shipped.at(-1)?.version ?? '' });
  expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: TENANT_SECRET_ARN }]);
  expect(sts.calls()).toHaveLength(0);
});
