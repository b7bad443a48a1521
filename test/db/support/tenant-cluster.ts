import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Pool } from 'pg';
import { PgSqlClient } from '../../../lambdas/shared/db/pg-client';
import { SqlError } from '../../../lambdas/shared/db/sql-client';
import { loadMigrations, type Migration } from '../../../lambdas/schema-provisioner/migrations';
import { provisionTenant, type ProvisionResult } from '../../../lambdas/schema-provisioner/provision';
import { DATABASE, startPostgres, type TestPostgres } from '../../support/postgres';

export const MASTER = 'microplane_admin';
const MASTER_PASSWORD = 'master-password';

/**
 * A local stand-in for an Aurora cluster: a real PostgreSQL whose `microplane` database belongs to a
 * master user that, as on Aurora, is not a superuser but has CREATEROLE and CREATEDB.
 */
export interface TenantCluster {
  readonly postgres: TestPostgres;
  /** The master user, which provisioning runs as. */
  readonly master: PgSqlClient;
  /** The bootstrap superuser, to look behind the tenants' backs in assertions. */
  readonly superuser: PgSqlClient;
  /** A client logged in as `role` (a pool of its own, closed by `stop`). */
  connectAs(role: string, password: string, poolSize?: number): PgSqlClient;
  /** Provisions a tenant as the master user, migrating it as the tenant. */
  provision(tenantId: string, password: string, migrations: readonly Migration[]): Promise<ProvisionResult>;
  stop(): Promise<void>;
}

export async function startTenantCluster(): Promise<TenantCluster> {
  const postgres = await startPostgres();
  // pool.end() resolves before its sockets close; the server's shutdown notice must not crash the run.
  postgres.admin.on('error', () => undefined);
  await postgres.admin.query(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'`);
  await postgres.admin.query(`ALTER DATABASE ${DATABASE} OWNER TO ${MASTER}`);
  const pools: Pool[] = [];
  const connectAs = (role: string, password: string, poolSize = 2): PgSqlClient => {
    const pool = new Pool({ connectionString: postgres.url(role, password), max: poolSize });
    pool.on('error', () => undefined);
    pools.push(pool);
    return new PgSqlClient(pool);
  };
  const master = connectAs(MASTER, MASTER_PASSWORD);
  return {
    postgres,
    master,
    superuser: new PgSqlClient(postgres.admin),
    connectAs,
    provision: (tenantId, password, migrations) =>
      provisionTenant({ admin: master, connectAsTenant: connectAs, tenantId, password, migrations, database: DATABASE }),
    stop: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await postgres.stop();
    },
  };
}

/** A migrations folder in a temp dir holding `files` (name → SQL), and its loaded migrations. */
export function migrationsFolder(files: Record<string, string>): { dir: string; migrations: Migration[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-migrations-'));
  for (const [name, sql] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), sql);
  return { dir, migrations: loadMigrations(dir) };
}

/** The SqlError a promise rejects with; fails the test if it resolves or rejects with something else. */
export async function sqlErrorOf(promise: Promise<unknown>): Promise<SqlError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SqlError)) throw new Error(`Expected a SqlError, got ${error === undefined ? 'success' : String(error)}`);
  return error;
}

/** Fixture migrations: a notes table with an index, then a tags table and a trigger function. */
export const NOTES_V1 = `-- notes; with a semicolon in a comment
CREATE TABLE notes (
  id bigserial PRIMARY KEY,
  body text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_created_at_idx ON notes (created_at);
`;

export const TAGS_V2 = `CREATE TABLE tags (note_id bigint NOT NULL REFERENCES notes (id), tag text NOT NULL, PRIMARY KEY (note_id, tag));
/* a function body full of semicolons */
CREATE FUNCTION touch_note() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
  NEW.body := NEW.body || ';';
  RETURN NEW;
END;
$body$;
CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION touch_note();
`;
