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

  /** The registry parameter of one app. */
  public appRegistryEntry(appId: string): string {
    return `${this.appRegistryPrefix}${appId}`;
  }
}

/** Name of the role that tenant API functions run as; tenant roles trust exactly this name. */
export function tenantFunctionsRoleName(environmentName: string): string {
  return `microplane-${environmentName}-tenant-functions`;
}

/** Name of a tenant's role; the shared credentials helper builds the same name from the tenant id. */
export function tenantRoleName(environmentName: string, tenantId: string): string {
  return `microplane-${environmentName}-tenant-${tenantId}`;
}
