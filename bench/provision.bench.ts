/**
 * Tenant provisioning benchmark: how long creating and migrating tenant schemas takes on a real local
 * PostgreSQL, as the deploy-time custom resource does it (admin transaction, then migrations as the
 * tenant), and how long the no-op re-run every later deploy makes costs.
 *
 *   npx tsx bench/provision.bench.ts                 # 200 tenants
 *   npx tsx bench/provision.bench.ts --tenants 1000
 *   npx tsx bench/provision.bench.ts --fixture       # a three-migration fixture set instead
 *
 * Uses the platform's migrations when the folder has any, else the fixture set.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { loadMigrations, MIGRATIONS_DIR, type Migration } from '../lambdas/schema-provisioner/migrations';
import { provisionTenant } from '../lambdas/schema-provisioner/provision';
import { PgSqlClient } from '../lambdas/shared/db/pg-client';
import { DATABASE, startPostgres, type TestPostgres } from '../test/support/postgres';

const MASTER = 'microplane_admin';
const MASTER_PASSWORD = 'bench-master-password';

const FIXTURE: Record<string, string> = {
  '0001_notes.sql': `CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id text NOT NULL,
  title text NOT NULL,
  body text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notes_app_created_idx ON notes (app_id, created_at DESC, id DESC);`,
  '0002_tags.sql': `ALTER TABLE notes ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX notes_tags_idx ON notes USING gin (tags);`,
  '0003_idempotency.sql': `CREATE TABLE idempotency_keys (
  app_id text NOT NULL,
  key text NOT NULL,
  response jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);`,
};

interface Pass {
  readonly name: string;
  readonly tenants: number;
  readonly migrations: number;
  readonly totalMs: number;
  readonly perTenantMs: number[];
}

function benchMigrations(fixture: boolean): { source: string; migrations: Migration[] } {
  const shipped = !fixture && fs.existsSync(MIGRATIONS_DIR) ? loadMigrations(MIGRATIONS_DIR) : [];
  if (shipped.length > 0) return { source: path.relative(process.cwd(), MIGRATIONS_DIR), migrations: shipped };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'microplane-bench-migrations-'));
  for (const [file, sql] of Object.entries(FIXTURE)) fs.writeFileSync(path.join(dir, file), sql);
  return { source: 'fixture set', migrations: loadMigrations(dir) };
}

async function provisionAll(postgres: TestPostgres, admin: PgSqlClient, tenants: number, migrations: Migration[], name: string): Promise<Pass> {
  const perTenantMs: number[] = [];
  const start = performance.now();
  for (let i = 0; i < tenants; i++) {
    const tenantId = `tenant-${String(i).padStart(5, '0')}`;
    const password = `bench-password-${i}`;
    const pools: Pool[] = [];
    const t0 = performance.now();
    await provisionTenant({
      admin,
      connectAsTenant: (role, secret) => {
        const pool = new Pool({ connectionString: postgres.url(role, secret), max: 1 });
        pools.push(pool);
        return new PgSqlClient(pool);
      },
      tenantId,
      password,
      migrations,
      database: DATABASE,
    });
    perTenantMs.push(performance.now() - t0);
    await Promise.all(pools.map((pool) => pool.end()));
  }
  return { name, tenants, migrations: migrations.length, totalMs: performance.now() - start, perTenantMs };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function printTable(passes: Pass[], source: string): void {
  console.log(`Migrations: ${source}. CPUs: ${os.cpus().length} (${os.cpus()[0]?.model ?? 'unknown'}). PostgreSQL on loopback, fsync off.`);
  console.log('');
  console.log('| pass | tenants | migrations per tenant | total s | ms per tenant p50 | ms per tenant p95 |');
  console.log('|---|---|---|---|---|---|');
  for (const pass of passes) {
    console.log(
      `| ${pass.name} | ${pass.tenants} | ${pass.migrations} | ${(pass.totalMs / 1000).toFixed(2)} | ${percentile(pass.perTenantMs, 50).toFixed(1)} | ${percentile(pass.perTenantMs, 95).toFixed(1)} |`,
    );
  }
}

function tenantCount(argv: string[]): number {
  const flag = argv.indexOf('--tenants');
  const count = flag >= 0 ? Number(argv[flag + 1]) : 200;
  if (!Number.isInteger(count) || count < 1) throw new Error('--tenants takes a positive whole number');
  return count;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const tenants = tenantCount(argv);
  const { source, migrations } = benchMigrations(argv.includes('--fixture'));
  const postgres = await startPostgres();
  postgres.admin.on('error', () => undefined);
  // As on Aurora: the master user owns the database and may create roles, but is no superuser.
  await postgres.admin.query(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD '${MASTER_PASSWORD}'`);
  await postgres.admin.query(`ALTER DATABASE ${DATABASE} OWNER TO ${MASTER}`);
  const masterPool = new Pool({ connectionString: postgres.url(MASTER, MASTER_PASSWORD), max: 2 });
  masterPool.on('error', () => undefined);
  const admin = new PgSqlClient(masterPool);
  try {
    const fresh = await provisionAll(postgres, admin, tenants, migrations, 'create and migrate');
    const rerun = await provisionAll(postgres, admin, tenants, migrations, 're-run, nothing to apply');
    printTable([fresh, rerun], source);
  } finally {
    await masterPool.end();
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
