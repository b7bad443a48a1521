/**
 * Tenant ids that platform resources already use (or are about to) in the same name space as tenant
 * ids. A tenant with one of these ids would collide with a platform resource at deploy time, and
 * renaming the platform resource instead would replace stateful resources (keys, clusters).
 */
export const RESERVED_TENANT_IDS = [
  // alias/microplane/<env>/<id> beside the platform's own aliases (platform-parameters.ts, service-token-key.ts).
  'platform-data',
  'service-token-signing',
  'logs',
  // Role microplane-<env>-tenant-<id> beside the tenant functions' role microplane-<env>-tenant-functions.
  'functions',
  // Cluster microplane-<env>-<id> (and its secret <cluster>/admin) beside the pooled cluster microplane-<env>-pooled.
  'pooled',
  // Names of platform parts that are being added next to tenant-named ones: the whoami route, the schema
  // provisioner, the platform stack and SSM tree, the API (audience microplane-<env>-api), administration.
  'whoami',
  'provisioner',
  'schema-provisioner',
  'platform',
  'api',
  'admin',
] as const;

/** Whether a tenant id is taken by the platform. */
export function isReservedTenantId(id: string): boolean {
  return (RESERVED_TENANT_IDS as readonly string[]).includes(id);
}
