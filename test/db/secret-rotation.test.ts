import { randomUUID } from 'node:crypto';
import { DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createRotationHandler, type RotationDependencies } from '../../lambdas/secret-rotation/handler';
import { ROTATION_TAGS, rotationTargetOf } from '../../lambdas/secret-rotation/target';
import { loadMigrations, MIGRATIONS_DIR } from '../../lambdas/schema-provisioner/migrations';
import { captureLogs } from '../lambdas/support/aws';
import { startTenantCluster, type TenantCluster } from './support/tenant-cluster';

// Rotation of database logins against a real PostgreSQL (the Aurora-like master of the provisioning
// tests), with Secrets Manager faked at the SDK boundary by a small in-memory version store.

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane/dev/tenants/acme/database-AbCdEf';
const ADMIN_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane-dev-pooled/admin-XyZ';
const CLUSTER_ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:microplane-dev-pooled';
const FIRST_PASSWORD = 'FirstPassword0FromTheDeploy000000000000001';
const NEW_PASSWORD = 'RotatedPassword0FromSecretsManager00000002';

const tenantTags: Tag[] = [
  { Key: ROTATION_TAGS.kind, Value: 'tenant-login' },
  { Key: ROTATION_TAGS.tenantId, Value: 'acme' },
  { Key: ROTATION_TAGS.clusterArn, Value: CLUSTER_ARN },
  { Key: ROTATION_TAGS.adminSecretArn, Value: ADMIN_ARN },
  { Key: ROTATION_TAGS.database, Value: 'microplane' },
];

/** Secrets Manager's versions and stages for one secret, enough for the four rotation steps. */
class FakeSecret {
  readonly values = new Map<string, string>();
  readonly stages = new Map<string, string[]>();
  rotationEnabled = true;

  constructor(
    readonly arn: string,
    readonly tags: Tag[],
    initial: object,
  ) {
    this.values.set('v1', JSON.stringify(initial));
    this.stages.set('v1', ['AWSCURRENT']);
  }

  versionWith(stage: string): string | undefined {
    return [...this.stages].find(([, stages]) => stages.includes(stage))?.[0];
  }

  current(): Record<string, string> {
    return JSON.parse(this.values.get(this.versionWith('AWSCURRENT')!)!);
  }

  startRotation(token: string): void {
    this.stages.set(token, ['AWSPENDING']); // RotateSecret creates the pending version id
  }
}

const secrets = mockClient(SecretsManagerClient);
const rds = mockClient(RDSClient);
let cluster: TenantCluster;
let secret: FakeSecret;
let deps: RotationDependencies;
let adminTargets: unknown[];

function fakeSecretsManager(): void {
  secrets.reset();
  secrets.on(DescribeSecretCommand).callsFake(async () => ({
    ARN: secret.arn,
    RotationEnabled: secret.rotationEnabled,
    Tags: secret.tags,
    VersionIdsToStages: Object.fromEntries(secret.stages),
  }));
  secrets.on(GetSecretValueCommand).callsFake(async ({ VersionId, VersionStage }) => {
    const version = VersionId ?? secret.versionWith(VersionStage ?? 'AWSCURRENT');
    const value = version === undefined ? undefined : secret.values.get(version);
    if (value === undefined || (VersionStage && !secret.stages.get(version!)?.includes(VersionStage))) {
      throw new ResourceNotFoundException({ $metadata: {}, message: 'Secrets Manager can\'t find the specified secret value' });
    }
    return { ARN: secret.arn, VersionId: version, SecretString: value };
  });
  secrets.on(GetRandomPasswordCommand).resolves({ RandomPassword: NEW_PASSWORD });
  secrets.on(PutSecretValueCommand).callsFake(async ({ ClientRequestToken, SecretString, VersionStages }) => {
    secret.values.set(ClientRequestToken!, SecretString!);
    secret.stages.set(ClientRequestToken!, VersionStages!);
    return {};
  });
  secrets.on(UpdateSecretVersionStageCommand).callsFake(async ({ VersionStage, MoveToVersionId, RemoveFromVersionId }) => {
    secret.stages.set(RemoveFromVersionId!, secret.stages.get(RemoveFromVersionId!)!.filter((stage) => stage !== VersionStage));
    secret.stages.set(MoveToVersionId!, [...secret.stages.get(MoveToVersionId!)!, VersionStage!]);
    return {};
  });
}

async function rotate(token: string, steps: Array<SecretsManagerRotationEvent['Step']> = ['createSecret', 'setSecret', 'testSecret', 'finishSecret']): Promise<void> {
  const handler = createRotationHandler(deps);
  for (const step of steps) await handler({ SecretId: secret.arn, ClientRequestToken: token, Step: step });
}

async function canLogIn(role: string, password: string): Promise<boolean> {
  try {
    await cluster.connectAs(role, password, 1).query('SELECT 1 AS one');
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  cluster = await startTenantCluster();
  await cluster.provision('acme', FIRST_PASSWORD, loadMigrations(MIGRATIONS_DIR));
});

afterAll(async () => {
  await cluster?.stop();
});

let logs: ReturnType<typeof captureLogs>;

beforeEach(() => {
  logs = captureLogs();
  secret = new FakeSecret(SECRET_ARN, tenantTags, { username: 'tenant_acme', password: FIRST_PASSWORD });
  fakeSecretsManager();
  rds.reset();
  adminTargets = [];
  deps = {
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    rds: new RDSClient({ region: 'eu-west-1' }),
    adminSqlFor: (target) => {
      adminTargets.push(target);
      return cluster.master;
    },
    logger: new Logger({ serviceName: 'secret-rotation' }),
    metrics: new Metrics({ namespace: 'Microplane', serviceName: 'secret-rotation' }),
  };
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('a tenant login', () => {
  test('after the four steps the new password logs in, the old one no longer does, and the secret keeps its other fields', async () => {
    // GIVEN a tenant provisioned with its first password
    secret = new FakeSecret(SECRET_ARN, tenantTags, { username: 'tenant_acme', password: FIRST_PASSWORD, note: 'kept' });
    // WHEN
    const token = randomUUID();
    secret.startRotation(token);
    await rotate(token);
    // THEN
    expect(secret.current()).toEqual({ username: 'tenant_acme', password: NEW_PASSWORD, note: 'kept' });
    expect(secret.stages.get('v1')).toEqual([]);
    expect(await canLogIn('tenant_acme', NEW_PASSWORD)).toBe(true);
    expect(await canLogIn('tenant_acme', FIRST_PASSWORD)).toBe(false);
    // AND the password was changed through the cluster admin named by the secret's tags
    expect(adminTargets[0]).toEqual({ kind: 'tenant', tenantId: 'acme', clusterArn: CLUSTER_ARN, adminSecretArn: ADMIN_ARN, database: 'microplane' });
    // Restore the first password for the next tests.
    const back = randomUUID();
    secrets.on(GetRandomPasswordCommand).resolves({ RandomPassword: FIRST_PASSWORD });
    secret.startRotation(back);
    await rotate(back);
    expect(await canLogIn('tenant_acme', FIRST_PASSWORD)).toBe(true);
  });

  test('the plain password never reaches the server: the role stores a SCRAM verifier', async () => {
    const token = randomUUID();
    secret.startRotation(token);
    await rotate(token, ['createSecret', 'setSecret']);
    const [row] = await cluster.superuser.query<{ stored: string }>("SELECT rolpassword AS stored FROM pg_authid WHERE rolname = 'tenant_acme'");
    expect(row.stored).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(row.stored).not.toContain(NEW_PASSWORD);
    await rotate(token, ['testSecret', 'finishSecret']);
    await rotateBackTo(FIRST_PASSWORD);
  });

  test('every step may be retried: a retried createSecret keeps the pending password, a retried setSecret still converges', async () => {
    const token = randomUUID();
    secret.startRotation(token);
    await rotate(token, ['createSecret', 'createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret', 'finishSecret']);
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(1);
    expect(secrets.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(1);
    expect(await canLogIn('tenant_acme', NEW_PASSWORD)).toBe(true);
    await rotateBackTo(FIRST_PASSWORD);
  });

  test('testSecret fails for a login role that cannot log in, before the pending version becomes current', async () => {
    await cluster.superuser.query('ALTER ROLE tenant_acme NOLOGIN');
    try {
      const token = randomUUID();
      secret.startRotation(token);
      await rotate(token, ['createSecret', 'setSecret']);
      await expect(rotate(token, ['testSecret'])).rejects.toThrow('Role tenant_acme is missing or cannot log in');
      expect(secret.current().password).toBe(FIRST_PASSWORD);
      // AND the failure is logged and counted against the tenant, so the per-tenant error alarm sees it
      expect(logs.lines()).toContainEqual(expect.objectContaining({ level: 'ERROR', message: 'Rotation step failed', tenantId: 'acme' }));
      const counted = logs.lines().filter((line) => '_aws' in line);
      expect(counted.at(-1)).toMatchObject({ tenantId: 'acme', Requests: 1, Errors: 1 });
      expect(counted.slice(0, -1).every((line) => !('Errors' in line))).toBe(true);
    } finally {
      await cluster.superuser.query('ALTER ROLE tenant_acme LOGIN');
      await cluster.provision('acme', FIRST_PASSWORD, loadMigrations(MIGRATIONS_DIR));
    }
  });
});

async function rotateBackTo(password: string): Promise<void> {
  secrets.on(GetRandomPasswordCommand).resolves({ RandomPassword: password });
  const token = randomUUID();
  secret.startRotation(token);
  await rotate(token);
}

describe('a cluster admin login', () => {
  beforeEach(() => {
    secret = new FakeSecret(
      ADMIN_ARN,
      [
        { Key: ROTATION_TAGS.kind, Value: 'cluster-admin' },
        { Key: ROTATION_TAGS.clusterIdentifier, Value: 'microplane-dev-pooled' },
      ],
      { username: 'microplane_admin', password: 'old', engine: 'postgres', host: 'h', port: 5432, dbClusterIdentifier: 'microplane-dev-pooled' },
    );
    fakeSecretsManager();
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ MasterUsername: 'microplane_admin' }] });
  });

  test('gets its new password through RDS, never through SQL, and keeps the fields the cluster attachment wrote', async () => {
    const token = randomUUID();
    secret.startRotation(token);
    await rotate(token);
    expect(rds.commandCalls(ModifyDBClusterCommand).map((call) => call.args[0].input)).toEqual([
      { DBClusterIdentifier: 'microplane-dev-pooled', MasterUserPassword: NEW_PASSWORD, ApplyImmediately: true },
    ]);
    expect(adminTargets).toEqual([]);
    expect(secret.current()).toMatchObject({ password: NEW_PASSWORD, host: 'h', port: 5432, dbClusterIdentifier: 'microplane-dev-pooled' });
  });

  test('testSecret refuses a cluster whose master user is not the secret\'s', async () => {
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [{ MasterUsername: 'someone_else' }] });
    const token = randomUUID();
    secret.startRotation(token);
    await expect(rotate(token)).rejects.toThrow('has another master user than the secret');
    expect(secret.current().password).toBe('old');
  });
});

describe('refusals', () => {
  test('a secret without the rotation tags is not rotated, and the message names the missing tag', () => {
    expect(() => rotationTargetOf({ ARN: SECRET_ARN, Tags: [] })).toThrow(`has no ${ROTATION_TAGS.kind} tag`);
    expect(() => rotationTargetOf({ ARN: SECRET_ARN, Tags: [{ Key: ROTATION_TAGS.kind, Value: 'api-key' }] })).toThrow('is a api-key secret');
  });

  test('a secret with rotation off, or a version that is not pending, is refused before anything changes', async () => {
    const token = randomUUID();
    await expect(rotate(token, ['createSecret'])).rejects.toThrow(`has no version ${token}`);
    secret.startRotation(token);
    secret.rotationEnabled = false;
    await expect(rotate(token, ['createSecret'])).rejects.toThrow('does not have rotation enabled');
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });
});
