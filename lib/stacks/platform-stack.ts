import { CfnOutput, Duration, Stack, StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/schema';
import { Gateway } from '../constructs/gateway';
import { Identity } from '../constructs/identity';
import { MicroplaneFunction } from '../constructs/microplane-function';
import { PlatformNetwork } from '../constructs/platform-network';
import { SchemaProvisioner } from '../constructs/schema-provisioner';
import { TenantApi } from '../constructs/tenant-api';
import { TenantDatabase } from '../constructs/tenant-database';
import { ServiceTokenKey } from '../constructs/service-token-key';
import { TokenExchange } from '../constructs/token-exchange';
import { UsagePlans } from '../constructs/usage-plans';
import { nagArn } from '../nag-ids';
import { platformDataKeyAlias, PlatformParameters, pooledClusterIdentifier, tenantFunctionsRoleName, tenantRoleName } from '../platform-parameters';
import { cognitoSettings, removalPolicyOf } from './settings';

/** Properties of {@link PlatformStack}. */
export interface PlatformStackProps extends StackProps {
  /** The environment's config. */
  readonly environment: EnvironmentConfig;
}

/**
 * The shared pieces of one environment: identity, the service-token signing key, the gateway with its
 * authorizer and usage plans, the token exchange and the first tenant route. Nothing here depends on
 * which tenants exist, so onboarding a tenant never changes this stack.
 */
export class PlatformStack extends Stack {
  /** Where tenant stacks find this stack's values. */
  public readonly parameters: PlatformParameters;
  /** The Cognito user pool and resource server. */
  public readonly identity: Identity;
  /** The REST API and its authorizer. */
  public readonly gateway: Gateway;
  /** One usage plan per tier. */
  public readonly usagePlans: UsagePlans;
  /** The role tenant API functions run as; tenant roles trust it. */
  public readonly tenantFunctionsRole: iam.Role;
  /** The VPC the databases live in. */
  public readonly network: PlatformNetwork;
  /** The cluster that holds pooled tenants' schemas. */
  public readonly pooledDatabase: TenantDatabase;
  /** Provisions and migrates every tenant schema. */
  public readonly schemaProvisioner: SchemaProvisioner;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const env = props.environment;
    const removalPolicy = removalPolicyOf(env);
    const logRetention = env.gateway.logRetentionDays as logs.RetentionDays;
    this.parameters = new PlatformParameters(env.name);
    Tags.of(this).add('microplane:component', 'platform');

    const serviceTokenKey = new ServiceTokenKey(this, 'ServiceTokenKey', {
      environmentName: env.name,
      issuer: env.serviceToken.issuer,
      tokenLifetime: Duration.minutes(env.serviceToken.lifetimeMinutes),
      removalPolicy,
    });
    this.identity = new Identity(this, 'Identity', {
      environmentName: env.name,
      ...cognitoSettings(env),
      deletionProtection: env.removalPolicy === 'retain',
      removalPolicy,
      logRetention,
    });
    this.gateway = new Gateway(this, 'Gateway', {
      environmentName: env.name,
      serviceTokenKey,
      appRegistryPrefix: this.parameters.appRegistryPrefix,
      authorizerCacheTtl: Duration.seconds(env.gateway.authorizerCacheSeconds),
      logRetention,
      removalPolicy,
      waf: env.gateway.waf,
      wafRateLimitPer5Minutes: env.gateway.wafRateLimitPer5Minutes,
    });
    this.usagePlans = new UsagePlans(this, 'UsagePlans', {
      tiers: env.tiers,
      api: this.gateway.api,
      stage: this.gateway.stage,
      environmentName: env.name,
    });
    new TokenExchange(this, 'TokenExchange', {
      gateway: this.gateway,
      serviceTokenKey,
      userPool: this.identity.userPool,
      appRegistryPrefix: this.parameters.appRegistryPrefix,
      logRetention,
      removalPolicy,
    });

    this.tenantFunctionsRole = this.createTenantFunctionsRole(env.name);
    const whoami = new MicroplaneFunction(this, 'WhoAmI', {
      handlerName: 'whoami',
      description: 'GET /v1/whoami: the calling tenant, app and scopes',
      role: this.tenantFunctionsRole,
      logRetention,
      removalPolicy,
    });
    this.gateway.addTenantRoute('GET', '/v1/whoami', whoami.function, 'whoami.read');

    this.network = new PlatformNetwork(this, 'Network', { flowLogRetention: logRetention, removalPolicy });
    const dataKey = new kms.Key(this, 'DataKey', {
      description: `Microplane ${env.name}: the pooled database cluster and its admin secret`,
      alias: platformDataKeyAlias(env.name),
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.pooledDatabase = new TenantDatabase(this, 'PooledDatabase', {
      vpc: this.network.vpc,
      encryptionKey: dataKey,
      adminSecretEncryptionKey: dataKey,
      clusterIdentifier: pooledClusterIdentifier(env.name),
      minCapacity: env.database.minCapacity,
      maxCapacity: env.database.maxCapacity,
      backupRetention: Duration.days(env.database.backupRetentionDays),
      deletionProtection: env.removalPolicy === 'retain',
      removalPolicy,
    });
    this.schemaProvisioner = new SchemaProvisioner(this, 'SchemaProvisioner', {
      environmentName: env.name,
      pooledDatabase: this.pooledDatabase,
      logRetention,
      removalPolicy,
    });
    new TenantApi(this, 'TenantApi', {
      gateway: this.gateway,
      tenantFunctionsRole: this.tenantFunctionsRole,
      environmentName: env.name,
      tenantDatabasePrefix: this.parameters.tenantDatabasePrefix,
      logRetention,
      removalPolicy,
    });

    this.publishParameters();
    this.addOutputs();
  }

  private createTenantFunctionsRole(environmentName: string): iam.Role {
    const role = new iam.Role(this, 'TenantFunctionsRole', {
      roleName: tenantFunctionsRoleName(environmentName),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Tenant API functions: act for a tenant only through that tenant\'s role and session tag',
    });
    const tenantRoles = this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: tenantRoleName(environmentName, '*') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: [tenantRoles] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'iam', `role/${tenantRoleName(environmentName, '*')}`, { global: true })}]`,
      reason: 'Tenant API functions serve every tenant; each tenant role\'s trust policy admits this role only with a TenantId session tag equal to that tenant.',
    });
    return role;
  }

  private publishParameters(): void {
    const publish = (id: string, parameterName: string, stringValue: string, description: string) =>
      new ssm.StringParameter(this, id, { parameterName, stringValue, description: `Microplane: ${description}, read by tenant stacks` });
    publish('UserPoolIdParameter', this.parameters.userPoolId, this.identity.userPool.userPoolId, 'the user pool id');
    publish('VpcIdParameter', this.parameters.vpcId, this.network.vpc.vpcId, 'the data VPC id');
    this.network.dataSubnetIds.forEach((subnetId, index) =>
      publish(`DataSubnetParameter${index}`, this.parameters.dataSubnetId(index), subnetId, `data subnet ${index}`),
    );
    publish(
      'PooledAdminSecretParameter',
      this.parameters.pooledAdminSecretArn,
      this.pooledDatabase.adminSecret.secretArn,
      'the pooled cluster\'s admin secret ARN',
    );
    publish(
      'SchemaProvisionerParameter',
      this.parameters.schemaProvisionerServiceToken,
      this.schemaProvisioner.serviceToken,
      'the schema provisioner\'s service token',
    );
    for (const tier of this.usagePlans.tierNames) {
      new ssm.StringParameter(this, `UsagePlanParameter-${tier}`, {
        parameterName: this.parameters.usagePlanId(tier),
        stringValue: this.usagePlans.planFor(tier).usagePlanId,
        description: `Microplane: usage plan id of tier ${tier}, read by tenant stacks`,
      });
    }
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.gateway.url, description: 'Base URL of the gateway stage' });
    new CfnOutput(this, 'TokenEndpoint', { value: `${this.gateway.url}oauth2/token`, description: 'RFC 8693 token exchange' });
    new CfnOutput(this, 'JwksUrl', { value: `${this.gateway.url}.well-known/jwks.json`, description: 'Service token public keys' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'HostedSignInDomain', { value: this.identity.domain.baseUrl() });
  }
}
