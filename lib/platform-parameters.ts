import { createHash } from 'node:crypto';

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

  /** The id of the OpenSearch Serverless VPC endpoint every collection of the environment admits. */
  public get vectorsVpcEndpointId(): string {
    return `${this.prefix}/vectors/vpc-endpoint-id`;
  }

  /** The ARN of the pooled tenants' OpenSearch Serverless collection. */
  public get pooledCollectionArn(): string {
    return `${this.prefix}/vectors/pooled-collection-arn`;
  }

  /** The endpoint (`https://<id>.<region>.aoss.amazonaws.com`) of the pooled tenants' collection. */
  public get pooledCollectionEndpoint(): string {
    return `${this.prefix}/vectors/pooled-collection-endpoint`;
  }

  /** Prefix of the vector registry: one parameter per tenant (endpoint, index, key), written by its stack. */
  public get vectorRegistryPrefix(): string {
    return `/microplane/${this.environmentName}/vectors/`;
  }

  /** The vector registry parameter of one tenant. */
  public vectorRegistryEntry(tenantId: string): string {
    return `${this.vectorRegistryPrefix}${tenantId}`;
  }

  /** The ARN of the budget topic, which every tenant and app budget notifies. */
  public get budgetTopicArn(): string {
    return `${this.prefix}/budgets/topic-arn`;
  }

  /** The name of the throttle state table. */
  public get throttleStateTableName(): string {
    return `${this.prefix}/budgets/throttle-state-table-name`;
  }

  /** The VPC id of the private models network (written by the models stack). */
  public get modelsVpcId(): string {
    return `${this.prefix}/models/vpc-id`;
  }

  /** The id of the models VPC's private subnet with this index (one per zone; written by the models stack). */
  public modelsSubnetId(index: number): string {
    return `${this.prefix}/models/private-subnet-${index}`;
  }

  /** The security group whose members may call the private models (written by the models stack). */
  public get modelClientSecurityGroupId(): string {
    return `${this.prefix}/models/client-security-group-id`;
  }

  /** JSON `{"<model name>": "http://<host>:<port>/v1"}` of every private model (written by the models stack). */
  public get privateModelEndpoints(): string {
    return `${this.prefix}/models/private-endpoints`;
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

/** Alias of the key of the pooled vector collection. */
export function vectorsKeyAlias(environmentName: string): string {
  return `alias/microplane/${environmentName}/vectors`;
}

/** Name of the role of the TTL sweeper, which every tenant's data access policy admits to its index. */
export function documentsSweeperRoleName(environmentName: string): string {
  return `microplane-${environmentName}-documents-sweeper`;
}

/** The index of a tenant's documents; the handlers build the same name (lambdas/shared/vectors/registry.ts). */
export function tenantIndexName(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/** OpenSearch Serverless collection names are 3 to 28 characters. */
export const COLLECTION_NAME_MAX = 28;
/** OpenSearch Serverless policy and VPC endpoint names are 3 to 32 characters. */
export const AOSS_POLICY_NAME_MAX = 32;

/** The pooled tenants' collection: `microplane-<env>-pooled`, like the pooled cluster. */
export function pooledCollectionName(environmentName: string): string {
  return boundedName(`microplane-${environmentName}-pooled`, COLLECTION_NAME_MAX);
}

/** A siloed tenant's own collection. */
export function siloedCollectionName(environmentName: string, tenantId: string): string {
  return boundedName(`mp-${environmentName}-${tenantId}`, COLLECTION_NAME_MAX);
}

/** The data access policy of a tenant's index. */
export function tenantDataAccessPolicyName(environmentName: string, tenantId: string): string {
  return boundedName(`mp-${environmentName}-${tenantId}`, AOSS_POLICY_NAME_MAX);
}

/**
 * `name` when it fits `max` characters, else its head and a hash of the whole name, so names stay unique,
 * stable (derived from the ids alone) and valid for OpenSearch Serverless: lowercase letters, digits and
 * hyphens, starting with a letter and never ending with a hyphen.
 */
export function boundedName(name: string, max: number): string {
  if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(name)) throw new Error(`"${name}" is not a valid OpenSearch Serverless name`);
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}
