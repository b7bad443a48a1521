import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse, CloudFormationCustomResourceDeleteEvent } from 'aws-lambda';
import { z } from 'zod';
import { RdsDataSqlClient } from '../shared/db/rds-data-client';
import { tenantDatabaseNames } from '../shared/db/tenant-names';
import { isTenantId } from '../shared/ids';
import { countRequest, createObservability, type RequestOutcome } from '../shared/observability';
import { ProvisioningError } from './errors';
import { loadMigrations, migrationsChecksum, MIGRATIONS_DIR, type Migration } from './migrations';
import { disableTenant, provisionTenant, type ProvisionResult } from './provision';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('schema-provisioner');

/** What the handler needs from outside; tests pass stubs, {@link handler} the real ones. */
export interface ProvisionerDependencies {
  /**
   * The Data API as the function's own role. It may use the cluster admin secrets and each tenant's
   * database secret, because every tenant stack grants exactly that secret to this role; it holds no
   * right to assume tenant roles.
   */
  readonly rdsData: RDSDataClient;
  /** Secrets Manager as the function's own role, for the tenant secrets the tenant stacks granted it. */
  readonly secretsManager: SecretsManagerClient;
  /** The migration set shipped with the function. */
  readonly migrations: () => readonly Migration[];
  readonly logger: Logger;
  /**
   * Where provisionings and their failures are counted per tenant.
   * @default - not counted
   */
  readonly metrics?: Metrics;
}

/** `Fn::GetAtt` attributes of a tenant schema resource. */
export interface TenantSchemaData {
  readonly Schema: string;
  readonly Role: string;
  /** The schema's last applied migration version; empty while there is none. */
  readonly Version: string;
}

const propertiesSchema = z.object({
  TenantId: z.string().refine(isTenantId, 'must be a lowercase DNS label of 3 to 32 characters'),
  ClusterArn: z.string().startsWith('arn:'),
  AdminSecretArn: z.string().startsWith('arn:'),
  TenantSecretArn: z.string().startsWith('arn:'),
  Database: z.string().min(1),
  MigrationsChecksum: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
});

/** The resource properties of a tenant schema, as the tenant stack sets them. */
export type TenantSchemaProperties = z.infer<typeof propertiesSchema>;

const secretSchema = z.object({ username: z.string().min(1), password: z.string().min(1) });

/** The physical id: one per tenant, so updates never replace (and so never disable) the schema. */
export function physicalResourceId(tenantId: string): string {
  return `tenant-database-${tenantId}`;
}

/**
 * The `onEvent` handler of the tenant schema custom resource (CDK Provider framework). Create and Update
 * provision the tenant's role and schema and migrate it; Delete disables the login and keeps the data.
 * A thrown error fails the deployment with its message.
 */
export function createHandler(deps: ProvisionerDependencies) {
  return async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse<TenantSchemaData>> => {
    deps.logger.setCorrelationId(event.RequestId);
    deps.logger.appendKeys({ requestType: event.RequestType });
    let outcome: RequestOutcome = 'error';
    try {
      const response = event.RequestType === 'Delete' ? await onDelete(deps, event) : await onCreateOrUpdate(deps, event);
      outcome = 'served';
      return response;
    } catch (error) {
      deps.logger.error('Tenant schema provisioning failed', error as Error);
      throw error;
    } finally {
      if (deps.metrics) countRequest(deps.metrics, { tenantId: tenantIdOf(event) }, outcome);
      deps.logger.resetKeys();
    }
  };
}

async function onCreateOrUpdate(deps: ProvisionerDependencies, event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse<TenantSchemaData>> {
  const parsed = propertiesSchema.safeParse(event.ResourceProperties);
  if (!parsed.success) throw new ProvisioningError(`Invalid tenant schema properties: ${describeIssues(parsed.error)}`);
  deps.logger.appendKeys({ tenantId: parsed.data.TenantId });
  const result = await provision(deps, parsed.data);
  deps.logger.info('Tenant schema provisioned', { schema: result.schema, version: result.version, applied: result.applied });
  return {
    PhysicalResourceId: physicalResourceId(parsed.data.TenantId),
    Data: { Schema: result.schema, Role: result.role, Version: result.version ?? '' },
  };
}

async function onDelete(deps: ProvisionerDependencies, event: CloudFormationCustomResourceDeleteEvent): Promise<CdkCustomResourceResponse<TenantSchemaData>> {
  const parsed = propertiesSchema.safeParse(event.ResourceProperties);
  if (!parsed.success) {
    // Only a Create that failed on these very properties can be deleted with them: nothing exists.
    deps.logger.warn('Invalid properties on delete; nothing to disable', { problems: describeIssues(parsed.error) });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  deps.logger.appendKeys({ tenantId: parsed.data.TenantId });
  const { role, found } = await disableTenant(adminClient(deps, parsed.data), parsed.data.TenantId);
  deps.logger.info(found ? 'Tenant login disabled; schema kept' : 'No tenant login to disable', { role });
  return { PhysicalResourceId: event.PhysicalResourceId };
}

async function provision(deps: ProvisionerDependencies, properties: TenantSchemaProperties): Promise<ProvisionResult> {
  const migrations = deps.migrations();
  assertDeployedMigrations(migrations, properties.MigrationsChecksum);
  const secret = await readTenantSecret(deps.secretsManager, properties.TenantSecretArn);
  const { role } = tenantDatabaseNames(properties.TenantId);
  if (secret.username !== role) {
    throw new ProvisioningError(`The tenant secret's username is ${secret.username}, but the tenant's role is ${role}`);
  }
  return provisionTenant({
    admin: adminClient(deps, properties),
    connectAsTenant: () =>
      new RdsDataSqlClient({
        client: deps.rdsData,
        resourceArn: properties.ClusterArn,
        secretArn: properties.TenantSecretArn,
        database: properties.Database,
      }),
    tenantId: properties.TenantId,
    password: secret.password,
    migrations,
    database: properties.Database,
    onMigrationApplied: (migration) => deps.logger.info('Migration applied', { migration: migration.file }),
  });
}

function adminClient(deps: ProvisionerDependencies, properties: TenantSchemaProperties): RdsDataSqlClient {
  return new RdsDataSqlClient({
    client: deps.rdsData,
    resourceArn: properties.ClusterArn,
    secretArn: properties.AdminSecretArn,
    database: properties.Database,
  });
}

/** The tenant a request names, if it is a valid tenant id: never a value that would make a metric dimension up. */
function tenantIdOf(event: CdkCustomResourceEvent): string | undefined {
  const tenantId: unknown = event.ResourceProperties?.TenantId;
  return isTenantId(tenantId) ? (tenantId as string) : undefined;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(properties)'} ${issue.message}`).join('; ');
}

/** The bundle must hold the very migration set the deploy was planned with, or tenants would drift. */
function assertDeployedMigrations(migrations: readonly Migration[], expected: string): void {
  const actual = migrationsChecksum(migrations);
  if (actual !== expected) {
    throw new ProvisioningError(
      `The function's migrations (checksum ${actual}, ${migrations.length} files) are not the deployed set (checksum ${expected}); redeploy the schema provisioner`,
    );
  }
}

async function readTenantSecret(secrets: SecretsManagerClient, secretArn: string): Promise<z.infer<typeof secretSchema>> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
  let value: unknown;
  try {
    value = JSON.parse(SecretString ?? '');
  } catch {
    value = undefined;
  }
  const parsed = secretSchema.safeParse(value);
  // The message never echoes the secret's content.
  if (!parsed.success) throw new ProvisioningError(`The tenant secret ${secretArn} is not JSON with a username and a password`);
  return parsed.data;
}

function loggerAndMetrics(): Pick<ProvisionerDependencies, 'logger' | 'metrics'> {
  const { logger, metrics } = createObservability('schema-provisioner', tracer);
  return { logger, metrics };
}

function productionDependencies(): ProvisionerDependencies {
  let migrations: readonly Migration[] | undefined;
  return {
    rdsData: new RDSDataClient({}),
    secretsManager: new SecretsManagerClient({}),
    migrations: () => (migrations ??= loadMigrations(MIGRATIONS_DIR)),
    ...loggerAndMetrics(),
  };
}

export const handler = traced(tracer, createHandler(productionDependencies()));
