import { scramSha256Verifier } from '../shared/db/scram';
import { tenantDatabaseNames, type TenantDatabaseNames } from '../shared/db/tenant-names';
import type { SqlClient } from '../shared/db/sql-client';
import { ProvisioningError } from './errors';
import { migrate, type MigrateResult } from './migrate';
import type { Migration } from './migrations';

/** Input of {@link provisionTenant}. */
export interface ProvisionTenantOptions {
  /** The cluster's master user: CREATEROLE and owner of `database`, not necessarily a superuser. */
  readonly admin: SqlClient;
  /** A client acting as the tenant's login role; migrations run through it. */
  readonly connectAsTenant: (role: string, password: string) => SqlClient;
  readonly tenantId: string;
  /** The tenant role's password, from the tenant's secret: printable ASCII. */
  readonly password: string;
  readonly migrations: readonly Migration[];
  /** The database holding the tenant schemas, e.g. `microplane`. */
  readonly database: string;
  /**
   * Called after each migration commits.
   * @default nothing
   */
  readonly onMigrationApplied?: (migration: Migration) => void;
}

/** What {@link provisionTenant} left in place. */
export interface ProvisionResult extends TenantDatabaseNames, MigrateResult {}

/** Whether {@link disableTenant} found the tenant's role. */
export interface DisableResult {
  readonly role: string;
  /** False when there was no role to disable. */
  readonly found: boolean;
}

interface TenantObjects extends TenantDatabaseNames {
  readonly database: string;
  /** The password as a SCRAM verifier: the plain password never reaches the server or its logs. */
  readonly verifier: string;
}

/**
 * Creates or repairs a tenant's login role and schema, then migrates the schema as the tenant. Safe to
 * run at every deploy: the admin part is one transaction that converges on the same state, and
 * migrations already applied are skipped.
 */
export async function provisionTenant(options: ProvisionTenantOptions): Promise<ProvisionResult> {
  const names = tenantDatabaseNames(options.tenantId);
  assertUsablePassword(options.password);
  const objects = { ...names, database: options.database, verifier: scramSha256Verifier(options.password) };
  try {
    await options.admin.transaction((tx) => prepareTenant(tx, objects));
  } catch (error) {
    throw provisioningErrorIn(error) ?? error;
  }
  const tenant = options.connectAsTenant(names.role, options.password);
  const result = await migrate(tenant, names.schema, options.migrations, { onApplied: options.onMigrationApplied });
  return { ...names, ...result };
}

/** Stops a tenant's role from logging in; its schema and data stay. A tenant without a role is a no-op. */
export async function disableTenant(admin: SqlClient, tenantId: string): Promise<DisableResult> {
  const { role } = tenantDatabaseNames(tenantId);
  const found = await roleExists(admin, role);
  if (found) await executeFormatted(admin, 'ALTER ROLE %I NOLOGIN', role);
  return { role, found };
}

// Every query here returns text or bool columns: the Data API cannot return void, name or oid.
async function prepareTenant(tx: SqlClient, tenant: TenantObjects): Promise<void> {
  // Tenant stacks deploy in parallel. Concurrent GRANT/REVOKE on the same database fail with "tuple
  // concurrently updated", so provisioning on one cluster takes turns.
  await tx.query(`SELECT true AS locked FROM pg_advisory_xact_lock(hashtext('microplane.provision-tenant'))`);
  await upsertLoginRole(tx, tenant.role, tenant.verifier);
  // Data API statements may each run on another connection: the search path must come with the role.
  await executeFormatted(tx, 'ALTER ROLE %I SET search_path = %I', tenant.role, tenant.schema);
  await ensureSchema(tx, tenant.schema, tenant.role);
  await executeFormatted(tx, 'REVOKE ALL ON DATABASE %I FROM PUBLIC', tenant.database);
  await tx.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
  await executeFormatted(tx, 'GRANT CONNECT ON DATABASE %I TO %I', tenant.database, tenant.role);
  await revokeMemberships(tx, tenant.role);
  await assertNoOtherSchemas(tx, tenant.role, tenant.schema);
}

async function upsertLoginRole(tx: SqlClient, role: string, verifier: string): Promise<void> {
  const template = (await roleExists(tx, role))
    ? 'ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L'
    : 'CREATE ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L';
  await executeFormatted(tx, template, role, verifier);
}

async function roleExists(db: SqlClient, role: string): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AS found', { role });
  return row?.found === true;
}

async function ensureSchema(tx: SqlClient, schema: string, role: string): Promise<void> {
  const [existing] = await tx.query<{ owner: string }>(
    'SELECT pg_get_userbyid(nspowner)::text AS owner FROM pg_namespace WHERE nspname = :schema',
    { schema },
  );
  if (existing) {
    if (existing.owner !== role) {
      throw new ProvisioningError(`Schema ${schema} exists but is owned by ${existing.owner}, not the tenant role ${role}`);
    }
    return;
  }
  // Giving a schema to another role takes membership in it; the master user holds it only for this step.
  await executeFormatted(tx, 'GRANT %I TO CURRENT_USER', role);
  await executeFormatted(tx, 'CREATE SCHEMA %I AUTHORIZATION %I', schema, role);
  await executeFormatted(tx, 'REVOKE %I FROM CURRENT_USER', role);
}

/** Membership in another role (pg_read_all_data, another tenant) would reach past the tenant's schema. */
async function revokeMemberships(tx: SqlClient, role: string): Promise<void> {
  const granted = await tx.query<{ granted: string }>(
    `SELECT g.rolname::text AS granted FROM pg_auth_members m
       JOIN pg_roles g ON g.oid = m.roleid
       JOIN pg_roles r ON r.oid = m.member
      WHERE r.rolname = :role
      ORDER BY g.rolname`,
    { role },
  );
  for (const row of granted) await executeFormatted(tx, 'REVOKE %I FROM %I', row.granted, role);
}

/**
 * Fails closed if the tenant can use a schema besides its own and the catalogs, e.g. one another role
 * granted to it or to PUBLIC: such grants are not the master user's to revoke.
 */
async function assertNoOtherSchemas(tx: SqlClient, role: string, schema: string): Promise<void> {
  const reachable = await tx.query<{ schema: string }>(
    `SELECT n.nspname::text AS schema FROM pg_namespace n
      WHERE n.nspname NOT IN (:schema::name, 'pg_catalog', 'information_schema')
        AND (has_schema_privilege(:role::name, n.oid, 'USAGE') OR has_schema_privilege(:role::name, n.oid, 'CREATE'))
      ORDER BY n.nspname`,
    { schema, role },
  );
  if (reachable.length > 0) {
    const schemas = reachable.map((row) => row.schema).join(', ');
    throw new ProvisioningError(
      `Tenant role ${role} can use schemas other than its own: ${schemas}. Revoke their grants to PUBLIC or to ${role}`,
    );
  }
}

/**
 * Runs a utility statement built by PostgreSQL's `format()` (`%I` identifiers, `%L` literals): utility
 * statements take no bind parameters, and `format()` quotes exactly as the server parses.
 */
async function executeFormatted(db: SqlClient, template: string, ...args: string[]): Promise<void> {
  const params: Record<string, string> = { template };
  args.forEach((arg, i) => (params[`arg${i}`] = arg));
  const placeholders = args.map((_, i) => `, :arg${i}::text`).join('');
  const [{ statement }] = await db.query<{ statement: string }>(`SELECT format(:template::text${placeholders}) AS statement`, params);
  await db.query(statement);
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

function assertUsablePassword(password: string): void {
  // Printable ASCII is what SASLprep leaves unchanged, so the verifier matches what the server derives.
  if (!PRINTABLE_ASCII.test(password)) {
    throw new ProvisioningError('The tenant password must be a non-empty string of printable ASCII characters');
  }
}

/** The ProvisioningError thrown inside the admin transaction, which some adapters wrap in a SqlError. */
function provisioningErrorIn(error: unknown): ProvisioningError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof ProvisioningError) return current;
  }
  return undefined;
}

export { scramSha256Verifier };
