import { Duration, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { EnvironmentConfig, TenantConfig } from '../config/schema';
import { TenantApps } from '../constructs/tenant-apps';
import { TenantKeys } from '../constructs/tenant-keys';
import { TenantRole } from '../constructs/tenant-role';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PlatformParameters, tenantFunctionsRoleName } from '../platform-parameters';
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
      trustedRoleNames: [tenantFunctionsRoleName(env.name)],
    });
    this.keys.grantEncryptDecrypt(tenant.id, this.tenantRole.role);

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
