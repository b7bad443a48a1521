import { Aspects, Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import { InlinePolicyReasons } from '../aspects/inline-policy-reasons';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EnvironmentConfig, TenantConfig } from '../config/schema';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DATA_SUBNET_COUNT, importDataNetwork } from '../constructs/platform-network';
import { migrationsChecksum, schemaProvisionerRoleName } from '../constructs/schema-provisioner';
import { secretRotationRoleName } from '../constructs/secret-rotation';
import { TenantApps } from '../constructs/tenant-apps';
import { TenantBudgets } from '../constructs/tenant-budgets';
import { THROTTLED_PLAN } from '../constructs/usage-plans';
import { clusterArnOf, TenantDatabase } from '../constructs/tenant-database';
import { DEFAULT_KEY_SERVICES, TenantKeys } from '../constructs/tenant-keys';
import { TenantRole } from '../constructs/tenant-role';
import { TenantSchema } from '../constructs/tenant-schema';
import { TenantVectorIndex } from '../constructs/tenant-vector-index';
import { IVectorStore, VectorStore } from '../constructs/vector-store';
import {
  documentsSweeperRoleName,
  platformDataKeyAlias,
  PlatformParameters,
  pooledClusterIdentifier,
  pooledCollectionName,
  serviceTokenAudience,
  siloedClusterIdentifier,
  siloedCollectionName,
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
  /** The tenant's budgets, budget policy and throttled usage key. */
  public readonly budgets: TenantBudgets;
  /** The tenant's own cluster, when its config says `isolation: siloed`. */
  public readonly database?: TenantDatabase;
  /** The tenant's schema, login and database registry entry. */
  public readonly schema: TenantSchema;
  /** The tenant's own vector collection, when it is siloed and the environment has vectors. */
  public readonly vectorStore?: VectorStore;
  /** The tenant's vector index, its data access policy and vector registry entry, when the environment has vectors. */
  public readonly vectorIndex?: TenantVectorIndex;

  constructor(scope: Construct, id: string, props: TenantStackProps) {
    super(scope, id, props);
    const { environment: env, tenant } = props;
    const parameters = new PlatformParameters(env.name);
    Tags.of(this).add('microplane:component', 'tenant');
    // microplane:tenant and microplane:cost-center come from the ResourceTags aspect (lib/microplane.ts).
    Tags.of(this).add('microplane:isolation', tenant.isolation);
    Aspects.of(this).add(new InlinePolicyReasons());

    this.keys = new TenantKeys(this, 'Keys', {
      tenantIds: [tenant.id],
      environmentName: env.name,
      administrators: env.keyAdministratorArns.map((arn) => new iam.ArnPrincipal(arn)),
      // A siloed tenant's own vector collection is encrypted with its key, through OpenSearch Serverless.
      services: tenant.isolation === 'siloed' && env.vectors.enabled ? [...DEFAULT_KEY_SERVICES, 'aoss'] : undefined,
      removalPolicy: removalPolicyOf(env),
    });
    const readPlatform = (name: string) => ssm.StringParameter.valueForStringParameter(this, name);
    this.tenantRole = new TenantRole(this, 'TenantRole', {
      tenantId: tenant.id,
      environmentName: env.name,
      serviceTokenProviderArn: readPlatform(parameters.serviceTokenProviderArn),
      serviceTokenAudience: serviceTokenAudience(env.name),
      serviceTokenIssuer: env.serviceToken.issuer,
    });
    this.keys.grantEncryptDecrypt(tenant.id, this.tenantRole.role);
    const roleArn = (name: string) => this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name });
    const provisionerRoleArn = roleArn(schemaProvisionerRoleName(env.name));
    const rotation = {
      functionArn: readPlatform(parameters.secretRotationFunctionArn),
      roleArn: roleArn(secretRotationRoleName(env.name)),
      interval: Duration.days(env.database.loginRotationDays),
    };
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
        // A platform key, not the tenant's: tenant sessions must never be able to decrypt the admin login.
        adminSecretEncryptionKey: kms.Alias.fromAliasName(this, 'PlatformDataKey', platformDataKeyAlias(env.name)),
        adminSecretReaderArns: [provisionerRoleArn],
        adminSecretRotation: rotation,
        clusterIdentifier: siloedClusterIdentifier(env.name, tenant.id),
        minCapacity: env.database.minCapacity,
        maxCapacity: env.database.maxCapacity,
        backupRetention: Duration.days(env.database.backupRetentionDays),
        monitoringInterval: Duration.seconds(env.database.monitoringIntervalSeconds),
        deletionProtection: env.removalPolicy === 'retain',
        removalPolicy: removalPolicyOf(env),
      });
      clusterArn = this.database.clusterArn;
      adminSecretArn = this.database.adminSecret.secretArn;
    }
    this.schema = new TenantSchema(this, 'Schema', {
      tenantId: tenant.id,
      environmentName: env.name,
      tenantKey: this.keys.keyFor(tenant.id),
      tenantRole: this.tenantRole.role,
      provisionerRoleArn,
      rotation,
      clusterArn,
      adminSecretArn,
      provisionerServiceToken: readPlatform(parameters.schemaProvisionerServiceToken),
      migrationsChecksum: migrationsChecksum(),
      registryParameterName: parameters.tenantDatabaseEntry(tenant.id),
      removalPolicy: removalPolicyOf(env),
    });
    if (this.database) this.schema.resource.node.addDependency(this.database);

    if (env.vectors.enabled) [this.vectorStore, this.vectorIndex] = this.addVectors(env, tenant, parameters);

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
    const hasBudgets = tenant.budget !== undefined || tenant.apps.some((app) => app.budget !== undefined);
    this.budgets = new TenantBudgets(this, 'Budgets', {
      tenantId: tenant.id,
      environmentName: env.name,
      budget: tenant.budget,
      apps: tenant.apps,
      // Read only when needed: an unused stack parameter is a template warning.
      budgetTopicArn: hasBudgets ? ssm.StringParameter.valueForStringParameter(this, parameters.budgetTopicArn) : undefined,
      throttledUsagePlanId: ssm.StringParameter.valueForStringParameter(this, parameters.usagePlanId(THROTTLED_PLAN)),
    });
  }

  /**
   * The tenant's index in the pooled collection (or, siloed, in its own collection under its own key),
   * the data access policy that admits only its role, and its vector registry entry.
   */
  private addVectors(env: EnvironmentConfig, tenant: TenantConfig, parameters: PlatformParameters): [VectorStore | undefined, TenantVectorIndex] {
    const readPlatform = (name: string) => ssm.StringParameter.valueForStringParameter(this, name);
    const removalPolicy = removalPolicyOf(env);
    let ownStore: VectorStore | undefined;
    let store: IVectorStore;
    if (tenant.isolation === 'siloed') {
      store = ownStore = new VectorStore(this, 'VectorStore', {
        collectionName: siloedCollectionName(env.name, tenant.id),
        encryptionKey: this.keys.keyFor(tenant.id),
        vpcEndpointId: readPlatform(parameters.vectorsVpcEndpointId),
        standbyReplicas: env.vectors.standbyReplicas === 'enabled',
        description: `Microplane ${env.name}: documents of tenant ${tenant.id}`,
        removalPolicy,
      });
    } else {
      store = VectorStore.fromCollectionAttributes(this, 'PooledVectorStore', {
        collectionArn: readPlatform(parameters.pooledCollectionArn),
        collectionEndpoint: readPlatform(parameters.pooledCollectionEndpoint),
        collectionName: pooledCollectionName(env.name),
      });
    }
    const index = new TenantVectorIndex(this, 'VectorIndex', {
      tenantId: tenant.id,
      environmentName: env.name,
      store,
      tenantRole: this.tenantRole.role,
      tenantKey: this.keys.keyFor(tenant.id),
      sweeperRoleArn: this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: documentsSweeperRoleName(env.name) }),
      vectorField: { dimensions: env.vectors.dimensions, engine: env.vectors.engine, spaceType: env.vectors.spaceType },
      registryParameterName: parameters.vectorRegistryEntry(tenant.id),
      removalPolicy,
    });
    return [ownStore, index];
  }
}
