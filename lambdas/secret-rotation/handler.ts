import { DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient } from '@aws-sdk/client-rds';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { z } from 'zod';
import { RdsDataSqlClient } from '../shared/db/rds-data-client';
import type { SqlClient } from '../shared/db/sql-client';
import { countRequest, createObservability, type RequestOutcome } from '../shared/observability';
import { scramSha256Verifier } from '../shared/db/scram';
import { rotationTargetOf, type RotationTarget } from './target';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('secret-rotation');

/** What the handler needs from outside; tests pass clients whose calls are faked at the SDK boundary. */
export interface RotationDependencies {
  readonly secrets: SecretsManagerClient;
  /** A client of a tenant's cluster logged in as its admin (the Data API with the admin secret in production). */
  readonly adminSqlFor: (target: TenantLoginTarget) => SqlClient;
  readonly rds: RDSClient;
  readonly logger: Logger;
  /**
   * Where rotation steps and their failures are counted per tenant.
   * @default - not counted
   */
  readonly metrics?: Metrics;
}

type TenantLoginTarget = Extract<RotationTarget, { kind: 'tenant' }>;

/** The login fields every rotated secret holds; other fields (host, port, engine…) are kept as they are. */
const loginSchema = z.looseObject({ username: z.string().min(1), password: z.string().min(1) });

/** Printable ASCII without quotes or backslashes: valid in SCRAM (SASLprep leaves it alone) and in every client. */
const PASSWORD_OPTIONS = { PasswordLength: 40, ExcludePunctuation: true, IncludeSpace: false };

/**
 * Secrets Manager rotation for the platform's database logins, in the four standard steps. A tenant
 * login (tagged `TenantId`) gets its new password through the cluster's admin login over the Data API
 * (`ALTER ROLE … PASSWORD <SCRAM verifier>`); a cluster admin login through RDS `ModifyDBCluster`. Both
 * set-steps are idempotent, so a retried step never locks a login out, and no step needs a network path
 * into the VPC.
 */
export function createRotationHandler(deps: RotationDependencies) {
  return async (event: SecretsManagerRotationEvent): Promise<void> => {
    deps.logger.setCorrelationId(event.ClientRequestToken);
    deps.logger.appendKeys({ step: event.Step });
    let outcome: RequestOutcome = 'error';
    let tenantId: string | undefined;
    try {
      const description = await deps.secrets.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
      if (versionState(description, event.ClientRequestToken) === 'current') {
        deps.logger.info('Version is already current: nothing to do');
        outcome = 'served';
        return;
      }
      const target = rotationTargetOf(description);
      tenantId = target.kind === 'tenant' ? target.tenantId : undefined;
      deps.logger.appendKeys({ kind: target.kind, ...(tenantId ? { tenantId } : {}) });
      await STEPS[event.Step](deps, event, target);
      deps.logger.info('Rotation step done');
      outcome = 'served';
    } catch (error) {
      deps.logger.error('Rotation step failed', error as Error);
      throw error;
    } finally {
      if (deps.metrics) countRequest(deps.metrics, { tenantId }, outcome);
      deps.logger.resetKeys();
    }
  };
}

type Step = (deps: RotationDependencies, event: SecretsManagerRotationEvent, target: RotationTarget) => Promise<void>;

const STEPS: Record<SecretsManagerRotationEvent['Step'], Step> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

/** A retried step may find its version already current; a version neither current nor pending is not ours. */
function versionState(description: DescribeSecretCommandOutput, token: string): 'current' | 'pending' {
  if (!description.RotationEnabled) throw new Error(`Secret ${description.ARN} does not have rotation enabled`);
  const stages = description.VersionIdsToStages?.[token];
  if (!stages) throw new Error(`Secret ${description.ARN} has no version ${token} to rotate`);
  if (stages.includes('AWSCURRENT')) return 'current';
  if (!stages.includes('AWSPENDING')) throw new Error(`Version ${token} of ${description.ARN} is not pending rotation`);
  return 'pending';
}

/** Step 1: a new password in the pending version; every other field copied from the current one. */
async function createSecret(deps: RotationDependencies, event: SecretsManagerRotationEvent): Promise<void> {
  if (await readLogin(deps, event.SecretId, { VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }, true)) return;
  const current = await readLogin(deps, event.SecretId, { VersionStage: 'AWSCURRENT' });
  const { RandomPassword } = await deps.secrets.send(new GetRandomPasswordCommand(PASSWORD_OPTIONS));
  if (!RandomPassword) throw new Error('Secrets Manager returned no password');
  await deps.secrets.send(
    new PutSecretValueCommand({
      SecretId: event.SecretId,
      ClientRequestToken: event.ClientRequestToken,
      SecretString: JSON.stringify({ ...current, password: RandomPassword }),
      VersionStages: ['AWSPENDING'],
    }),
  );
}

/** Step 2: the database accepts the pending password (and from now on, only it). */
async function setSecret(deps: RotationDependencies, event: SecretsManagerRotationEvent, target: RotationTarget): Promise<void> {
  const pending = (await readLogin(deps, event.SecretId, { VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }))!;
  if (target.kind === 'tenant') {
    const admin = deps.adminSqlFor(target);
    // The plain password never reaches the server or its logs: only its SCRAM verifier does.
    const [{ statement }] = await admin.query<{ statement: string }>(
      'SELECT format(\'ALTER ROLE %I WITH PASSWORD %L\', :role::text, :verifier::text) AS statement',
      { role: pending.username, verifier: scramSha256Verifier(pending.password) },
    );
    await admin.query(statement);
  } else {
    await deps.rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: target.clusterIdentifier, MasterUserPassword: pending.password, ApplyImmediately: true }),
    );
  }
}

/** Step 3: what can be checked without logging in with the pending version (the Data API uses AWSCURRENT). */
async function testSecret(deps: RotationDependencies, event: SecretsManagerRotationEvent, target: RotationTarget): Promise<void> {
  const pending = (await readLogin(deps, event.SecretId, { VersionId: event.ClientRequestToken, VersionStage: 'AWSPENDING' }))!;
  if (target.kind === 'tenant') {
    const [row] = await deps.adminSqlFor(target).query<{ login: boolean }>(
      'SELECT rolcanlogin AS login FROM pg_roles WHERE rolname = :role',
      { role: pending.username },
    );
    if (row?.login !== true) throw new Error(`Role ${pending.username} is missing or cannot log in`);
  } else {
    const { DBClusters } = await deps.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.clusterIdentifier }));
    if (DBClusters?.[0]?.MasterUsername !== pending.username) {
      throw new Error(`Cluster ${target.clusterIdentifier} has another master user than the secret`);
    }
  }
}

/** Step 4: the pending version becomes current. */
async function finishSecret(deps: RotationDependencies, event: SecretsManagerRotationEvent): Promise<void> {
  const description = await deps.secrets.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
  const currentVersion = Object.entries(description.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  if (currentVersion === event.ClientRequestToken) return;
  await deps.secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: event.SecretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: event.ClientRequestToken,
      RemoveFromVersionId: currentVersion,
    }),
  );
}

async function readLogin(
  deps: RotationDependencies,
  secretId: string,
  version: { VersionId?: string; VersionStage: string },
  missingIsNone = false,
): Promise<z.infer<typeof loginSchema> | undefined> {
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await deps.secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...version })));
  } catch (error) {
    if (missingIsNone && error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  const parsed = loginSchema.safeParse(parseJson(secretString));
  // The message never echoes the secret's content.
  if (!parsed.success) throw new Error(`Secret ${secretId} (${version.VersionStage}) is not JSON with a username and a password`);
  return parsed.data;
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

function loggerAndMetrics(): Pick<RotationDependencies, 'logger' | 'metrics'> {
  const { logger, metrics } = createObservability('secret-rotation', tracer);
  return { logger, metrics };
}

/** The production dependencies: the function's own role reaches the secrets, the Data API and RDS. */
export function productionDependencies(): RotationDependencies {
  const rdsData = new RDSDataClient({});
  return {
    secrets: new SecretsManagerClient({}),
    adminSqlFor: (target) =>
      new RdsDataSqlClient({ client: rdsData, resourceArn: target.clusterArn, secretArn: target.adminSecretArn, database: target.database }),
    rds: new RDSClient({}),
    ...loggerAndMetrics(),
  };
}

export const handler = traced(tracer, createRotationHandler(productionDependencies()));
