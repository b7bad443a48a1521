/**
 * Names of the SSM parameters through which the platform stack hands values to tenant stacks.
 *
 * Tenant stacks read these with `{{resolve:ssm:…}}`-style stack parameters instead of CloudFormation
 * exports: an export pins the platform stack (it can never change or remove an exported value while a
 * tenant stack imports it), and with thousands of tenant stacks that would freeze the platform.
 */
export class PlatformParameters {
  constructor(private readonly environmentName: string) {}

  /** Prefix of every platform parameter of the environment. */
  public get prefix(): string {
    return `/microplane/${this.environmentName}/platform`;
  }

  /** The Cognito user pool id. */
  public get userPoolId(): string {
    return `${this.prefix}/identity/user-pool-id`;
  }

  /** The usage plan id of a tier. */
  public usagePlanId(tier: string): string {
    return `${this.prefix}/usage-plans/${tier}`;
  }

  /** Prefix of the app registry: one parameter per app, written by the app's tenant stack. */
  public get appRegistryPrefix(): string {
    return `/microplane/${this.environmentName}/apps/`;
  }

  /** The VPC id of the data network. */
  public get vpcId(): string {
    return `${this.prefix}/network/vpc-id`;
  }

  /** The id of the data subnet with this index. */
  public dataSubnetId(index: number): string {
    return `${this.prefix}/network/data-subnet-${index}`;
  }

  /** The ARN of the pooled cluster's admin secret. */
  public get pooledAdminSecretArn(): string {
    return `${this.prefix}/database/pooled-admin-secret-arn`;
  }

  /** The ARN of the IAM OIDC provider that trusts service tokens; tenant roles federate with it. */
  public get serviceTokenProviderArn(): string {
    return `${this.prefix}/identity/service-token-provider-arn`;
  }

  /** The ARN of the function that rotates database logins. */
  public get secretRotationFunctionArn(): string {
    return `${this.prefix}/database/secret-rotation-function-arn`;
  }

  /** The service token of the schema provisioner. */
  public get schemaProvisionerServiceToken(): string {
    return `${this.prefix}/database/schema-provisioner-service-token`;
  }

  /** Prefix of the tenant database registry: one parameter per tenant, written by its stack. */
  public get tenantDatabasePrefix(): string {
    return `/microplane/${this.environmentName}/tenants/`;
  }

  /** The database registry parameter of one tenant. */
  public tenantDatabaseEntry(tenantId: string): string {
    return `${this.tenantDatabasePrefix}${tenantId}`;
  }

  /** The registry parameter of one app. */
  public appRegistryEntry(appId: string): string {
    return `${this.appRegistryPrefix}${appId}`;
  }
}

/** Name of the role that tenant API functions run as; tenant roles trust exactly this name. */
export function tenantFunctionsRoleName(environmentName: string): string {
  return `microplane-${environmentName}-tenant-functions`;
}

/** Alias of the platform's data key (pooled cluster storage and admin secret). */
export function platformDataKeyAlias(environmentName: string): string {
  return `alias/microplane/${environmentName}/platform-data`;
}

/** Alias of the key of the platform's log groups. */
export function platformLogsKeyAlias(environmentName: string): string {
  return `alias/microplane/${environmentName}/logs`;
}

/** Identifier of the pooled cluster. */
export function pooledClusterIdentifier(environmentName: string): string {
  return `microplane-${environmentName}-pooled`;
}

/** Identifier of a siloed tenant's own cluster. */
export function siloedClusterIdentifier(environmentName: string, tenantId: string): string {
  return `microplane-${environmentName}-${tenantId}`;
}

/** Name of a tenant's role; the shared credentials helper builds the same name from the tenant id. */
export function tenantRoleName(environmentName: string, tenantId: string): string {
  return `microplane-${environmentName}-tenant-${tenantId}`;
}

/**
 * The `aud` claim of every service token of the environment: the platform's API, which is also the one
 * client id the IAM OIDC provider accepts, so STS refuses any token minted for another audience.
 */
export function serviceTokenAudience(environmentName: string): string {
  return `microplane-${environmentName}-api`;
}
