import { IAspect, Tag } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The cost-allocation and ownership tags of the platform. Budgets filter on them, so they must be
 * activated as cost allocation tags in the billing console.
 */
export const RESOURCE_TAG_KEYS = {
  environment: 'microplane:environment',
  tenant: 'microplane:tenant',
  app: 'microplane:app',
  costCenter: 'microplane:cost-center',
} as const;

/** Properties of {@link ResourceTags}. */
export interface ResourceTagsProps {
  /** The environment the resources belong to. */
  readonly environmentName: string;
  /**
   * The tenant that owns every resource of the scope.
   * @default - no tenant tag: the scope is shared by all tenants
   */
  readonly tenantId?: string;
  /**
   * The cost center charged for the scope's resources.
   * @default - no cost center tag
   */
  readonly costCenter?: string;
}

/**
 * Tags every taggable resource of a scope (and the stack itself, whose tags CloudFormation also
 * propagates) with its environment and, for a tenant's scope, its tenant and cost center. An aspect on
 * the stack rather than tags on each construct: resources that aws-cdk-lib creates inside constructs get
 * the tags too, and a resource added later cannot be forgotten. `microplane:app` is set where one app's
 * resources are created (TenantApps), since only that construct knows which app a resource serves.
 */
export class ResourceTags implements IAspect {
  private readonly tags: readonly Tag[];

  constructor(props: ResourceTagsProps) {
    const values: Array<[string, string | undefined]> = [
      [RESOURCE_TAG_KEYS.environment, props.environmentName],
      [RESOURCE_TAG_KEYS.tenant, props.tenantId],
      [RESOURCE_TAG_KEYS.costCenter, props.costCenter],
    ];
    this.tags = values.flatMap(([key, value]) => (value === undefined ? [] : [new Tag(key, value)]));
  }

  public visit(node: IConstruct): void {
    for (const tag of this.tags) tag.visit(node);
  }
}
