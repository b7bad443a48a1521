import type { DescribeSecretCommandOutput } from '@aws-sdk/client-secrets-manager';

/**
 * The tags through which a secret tells the rotation function what it is the login of. Tenant stacks
 * and the database construct set them; only deployments may change them (the secrets' policies deny
 * tagging to everyone else), so they cannot be redirected to another cluster.
 */
export const ROTATION_TAGS = {
  kind: 'microplane:secret',
  tenantId: 'TenantId',
  clusterArn: 'microplane:cluster-arn',
  clusterIdentifier: 'microplane:cluster-id',
  adminSecretArn: 'microplane:admin-secret-arn',
  database: 'microplane:database',
} as const;

/** The value of {@link ROTATION_TAGS.kind} on a tenant's database login. */
export const TENANT_LOGIN_KIND = 'tenant-login';
/** The value of {@link ROTATION_TAGS.kind} on a cluster's admin (master user) login. */
export const CLUSTER_ADMIN_KIND = 'cluster-admin';

/** What a rotation changes: a tenant's login role, through the cluster admin; or a cluster's master user. */
export type RotationTarget =
  | { readonly kind: 'tenant'; readonly tenantId: string; readonly clusterArn: string; readonly adminSecretArn: string; readonly database: string }
  | { readonly kind: 'admin'; readonly clusterIdentifier: string };

/** The rotation target a secret's tags describe; throws, naming the missing tag, for any other secret. */
export function rotationTargetOf(description: Pick<DescribeSecretCommandOutput, 'ARN' | 'Tags'>): RotationTarget {
  const tags = new Map((description.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  const required = (key: string): string => {
    const value = tags.get(key);
    if (!value) throw new Error(`Secret ${description.ARN} has no ${key} tag: it is not a login this function rotates`);
    return value;
  };
  const kind = required(ROTATION_TAGS.kind);
  if (kind === TENANT_LOGIN_KIND) {
    return {
      kind: 'tenant',
      tenantId: required(ROTATION_TAGS.tenantId),
      clusterArn: required(ROTATION_TAGS.clusterArn),
      adminSecretArn: required(ROTATION_TAGS.adminSecretArn),
      database: required(ROTATION_TAGS.database),
    };
  }
  if (kind === CLUSTER_ADMIN_KIND) return { kind: 'admin', clusterIdentifier: required(ROTATION_TAGS.clusterIdentifier) };
  throw new Error(`Secret ${description.ARN} is a ${kind} secret, which this function does not rotate`);
}
