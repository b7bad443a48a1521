import { isTenantId } from '../ids';

/** The database objects of one tenant: its schema and its login role. */
export interface TenantDatabaseNames {
  /** The schema holding the tenant's tables, owned by {@link role}. */
  readonly schema: string;
  /** The login role the tenant's secret names. */
  readonly role: string;
}

/**
 * The schema and role of a tenant: `tenant_` and the id with `-` as `_`. Tenant ids are lowercase DNS
 * labels of at most 32 characters without `--`, so the names are distinct per tenant and well inside
 * PostgreSQL's 63-byte identifier limit. Still quote them wherever they reach SQL.
 */
export function tenantDatabaseNames(tenantId: string): TenantDatabaseNames {
  if (!isTenantId(tenantId)) throw new TypeError(`Invalid tenant id: ${JSON.stringify(tenantId)}`);
  const name = `tenant_${tenantId.replaceAll('-', '_')}`;
  return { schema: name, role: name };
}
