import { Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EnvironmentConfig, TenantConfig } from '../config/schema';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DATA_SUBNET_COUNT, importDataNetwork } from '../constructs/platform-network';
import { migrationsChecksum, schemaProvisionerRoleName } from '../constructs/schema-provisioner';
import { TenantApps } from '../constructs/tenant-apps';
import { clusterArnOf, TenantDatabase } from '../constructs/tenant-database';
import { TenantKeys } from '../constructs/tenant-keys';
import { TenantRole } from '../constructs/tenant-role';
import { TenantSchema } from '../constructs/tenant-schema';
import {
  PlatformParameters,
  pooledClusterIdentifier,
  siloedClusterIdentifier,
  tenantFunctionsRoleName,
} from '../platform-parameters';
import { removalPolicyOf } from './settings';

/** Properties of {@link TenantStack}. */
export interface TenantStackProps extends StackProps {
  /** The environment's config. */
  readonly environment: EnvironmentConfig;
  /** The tenant's config. */
  readonly tenant: TenantConfig;
}

/**
 * Everything one tenant owns: its KMS key, its role, and its apps' clients, usage keys and registry
 * entries. Names and construct ids derive from the tenant id alone, so adding, removing or reordering
 * other tenants never touches this stack. Platform values arrive through SSM parameters, not exports.
 */
export class TenantStack extends Stack {
  /** The tenant's key. */
  public readonly keys: TenantKeys;
  /** The tenant's role. */
  public readonly tenantRole: TenantRole;
  /** The tenant's apps. */
  public readonly apps: TenantApps;
  /** The tenant's own cluster, when its config says `isolation: siloed`. */
  public readonly database?: TenantDatabase;
  /** The tenant's schema, login and database registry entry. */
  public readonly schema: TenantSchema;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, props);
    const { environment: env, tenant } = props;
    const parameters = new PlatformParameters(env.name);
    Tags.of(this).add('microplane:component', 'tenant');
    Tags.of(this).add('microplane:tenant', tenant.id);
    Tags.of(this).add('microplane:cost-center', tenant.costCenter);
    Tags.of(this).add('microplane:isolation', tenant.isolation);

    this.keys = new TenantKeys(this, 'Keys', {
      tenantIds: [tenant.id],
      environmentName: env.name,
      administrators: env.keyAdministratorArns.map((arn) => new iam.ArnPrincipal(arn)),
      removalPolicy: removalPolicyOf(env),
    });
    this.tenantRole = new TenantRole(this, 'TenantRole', {
      tenantId: tenant.id,
      environmentName: env.name,
      trustedRoleNames: [tenantFunctionsRoleName(env.name), schemaProvisionerRoleName(env.name)],
    });
    this.keys.grantEncryptDecrypt(tenant.id, this.tenantRole.role);

    const readPlatform = (name: string) => ssm.StringParameter.valueForStringParameter(this, name);
    let clusterArn: string;
    let adminSecretArn: string;
    if (tenant.isolation === 'pooled') {
      clusterArn = clusterArnOf(this, pooledClusterIdentifier(env.name));
      adminSecretArn = readPlatform(parameters.pooledAdminSecretArn);
    } else {
      this.database = new TenantDatabase(this, 'Database', {
        vpc: importDataNetwork(this, 'DataNetwork', {
          vpcId: readPlatform(parameters.vpcId),
          dataSubnetIds: Array.from({ length: DATA_SUBNET_COUNT }, (_, i) => readPlatform(parameters.dataSubnetId(i))),
        }),
        encryptionKey: this.keys.keyFor(tenant.id),
        clusterIdentifier: siloedClusterIdentifier(env.name, tenant.id),
        minCapacity: env.database.minCapacity,
        maxCapacity: env.database.maxCapacity,
        backupRetention: Duration.days(env.database.backupRetentionDays),
        deletionProtection: env.removalPolicy === 'retain',
        removalPolicy: removalPolicyOf(env),
      });
      this.database.grantAdministration(iam.Role.fromRoleName(this, 'SchemaProvisionerRole', schemaProvisionerRoleName(env.name)));
      clusterArn = this.database.clusterArn;
      adminSecretArn = this.database.adminSecret.secretArn;
    }
    this.schema = new TenantSchema(this, 'Schema', {
      tenantId: tenant.id,
      environmentName: env.name,
      tenantKey: this.keys.keyFor(tenant.id),
      tenantRole: this.tenantRole.role,
      clusterArn,
      adminSecretArn,
      provisionerServiceToken: readPlatform(parameters.schemaProvisionerServiceToken),
      migrationsChecksum: migrationsChecksum(),
      registryParameterName: parameters.tenantDatabaseEntry(tenant.id),
      removalPolicy: removalPolicyOf(env),
    });
    // The provisioner acts as the tenant: its role's permissions, and the cluster, must exist first.
    this.schema.resource.node.addDependency(this.tenantRole);
    if (this.database) this.schema.resource.node.addDependency(this.database);

    const userPool = cognito.UserPool.fromUserPoolId(
      this,
      'UserPool',
      ssm.StringParameter.valueForStringParameter(this, parameters.userPoolId),
    );
    const tiers = [...new Set(tenant.apps.map((app) => app.tier))].sort();
    const usagePlanIds = Object.fromEntries(
      tiers.map((tier) => [tier, ssm.StringParameter.valueForStringParameter(this, parameters.usagePlanId(tier))]),
    );
    this.apps = new TenantApps(this, 'Apps', {
      tenantId: tenant.id,
      apps: tenant.apps,
      environmentName: env.name,
      userPool,
      usagePlanIds,
      appRegistryPrefix: parameters.appRegistryPrefix,
      userTokenValidity: Duration.minutes(env.identity.userTokenMinutes),
    });
  }
}
