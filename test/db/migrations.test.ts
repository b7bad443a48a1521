import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MigrationError, MigrationFailedError } from '../../lambdas/schema-provisioner/errors';
import { loadMigrations, migrationsChecksum, MIGRATIONS_DIR, type Migration } from '../../lambdas/schema-provisioner/migrations';
import { migrationsChecksum as deployChecksum } from '../../lib/constructs/schema-provisioner';
import { migrationsFolder, NOTES_V1, startTenantCluster, TAGS_V2, type TenantCluster } from './support/tenant-cluster';

const PASSWORD = 'tenant-password-0001';
const BROKEN = `CREATE TABLE partial (id int);
INSERT INTO missing_table VALUES (1);
`;
let cluster: TenantCluster;

beforeAll(async () => {
  cluster = await startTenantCluster();
});

afterAll(async () => {
  await cluster.stop();
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function history(schema: string): Promise<Array<{ version: string; name: string; checksum: string; applied_at: string }>> {
  return cluster.superuser.query(`SELECT version, name, checksum, applied_at FROM ${schema}.schema_migrations ORDER BY version`);
}

async function tableExists(qualifiedName: string): Promise<boolean> {
  const [{ found }] = await cluster.superuser.query<{ found: boolean }>('SELECT to_regclass(:name) IS NOT NULL AS found', { name: qualifiedName });
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );
}

describe('loading', () => {
  test('migrations load in version order with the sha256 of each file', () => {
    // GIVEN files written out of order, and a README that is not a migration
    const { migrations } = migrationsFolder({ '0002_tags.sql': TAGS_V2, '0001_notes.sql': NOTES_V1, 'README.md': '# not SQL' });
    // THEN
    expect(migrations.map(({ version, name, file, checksum }) => ({ version, name, file, checksum }))).toEqual([
      { version: '0001', name: 'notes', file: '0001_notes.sql', checksum: sha256(NOTES_V1) },
      { version: '0002', name: 'tags', file: '0002_tags.sql', checksum: sha256(TAGS_V2) },
    ]);
    expect(migrations[0].sql).toBe(NOTES_V1);
  });

  test('a misnamed SQL file is refused, naming it', () => {
    expect(() => migrationsFolder({ 'notes.sql': NOTES_V1 })).toThrow(/notes\.sql is not named NNNN_description\.sql/);
  });

  test('two migrations with one version are refused, naming both', () => {
    expect(() => migrationsFolder({ '0001_notes.sql': NOTES_V1, '0001_tags.sql': TAGS_V2 })).toThrow(
      'Migrations 0001_notes.sql and 0001_tags.sql share version 0001',
    );
  });

  test('the set checksum changes when a migration is added, edited or renamed, and only then', () => {
    const base = migrationsFolder({ '0001_notes.sql': NOTES_V1 }).migrations;
    const checksums = [
      migrationsChecksum(base),
      migrationsChecksum(migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_tags.sql': TAGS_V2 }).migrations),
      migrationsChecksum(migrationsFolder({ '0001_notes.sql': `${NOTES_V1}\n-- edited` }).migrations),
      migrationsChecksum(migrationsFolder({ '0001_memos.sql': NOTES_V1 }).migrations),
    ];
    expect(new Set(checksums).size).toBe(4);
    expect(migrationsChecksum(migrationsFolder({ '0001_notes.sql': NOTES_V1 }).migrations)).toBe(checksums[0]);
    expect(checksums[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the set checksum is the one the deploy puts in the custom resource properties', () => {
    // The CDK side hashes the source folder itself; the handler refuses a bundle whose set differs.
    const { dir, migrations } = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_tags.sql': TAGS_V2 });
    expect(migrationsChecksum(migrations)).toBe(deployChecksum(dir));
    expect(migrationsChecksum(loadMigrations(MIGRATIONS_DIR))).toBe(deployChecksum(MIGRATIONS_DIR));
  });

  test('the migrations folder is next to the provisioner code', () => {
    expect(MIGRATIONS_DIR).toBe(path.join(__dirname, '..', '..', 'lambdas', 'schema-provisioner', 'migrations'));
  });
});

describe('running', () => {
  let v1: Migration[];
  let v2: Migration[];

  beforeAll(() => {
    v1 = migrationsFolder({ '0001_notes.sql': NOTES_V1 }).migrations;
    v2 = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_tags.sql': TAGS_V2 }).migrations;
  });

  test('a fresh tenant gets every migration, each recorded with its checksum', async () => {
    // WHEN
    const result = await cluster.provision('fresh', PASSWORD, v2);
    // THEN
    expect(result).toEqual({ schema: 'tenant_fresh', role: 'tenant_fresh', version: '0002', applied: ['0001_notes.sql', '0002_tags.sql'] });
    expect((await history('tenant_fresh')).map(({ version, name, checksum }) => ({ version, name, checksum }))).toEqual([
      { version: '0001', name: 'notes', checksum: sha256(NOTES_V1) },
      { version: '0002', name: 'tags', checksum: sha256(TAGS_V2) },
    ]);
  });

  test('multi-statement migrations run whole, dollar-quoted bodies and all', async () => {
    // GIVEN the tenant migrated above, whose 0002 defines a trigger function full of semicolons
    const tenant = cluster.connectAs('tenant_fresh', PASSWORD);
    await tenant.query(`INSERT INTO notes (body) VALUES ('draft')`);
    // WHEN
    await tenant.query(`UPDATE notes SET body = 'final'`);
    // THEN
    expect(await tenant.query('SELECT body FROM notes')).toEqual([{ body: 'final;' }]);
    expect(await tableExists('tenant_fresh.tags')).toBe(true);
  });

  test('running again with nothing new applies nothing and leaves the history as it was', async () => {
    // GIVEN
    await cluster.provision('repeat', PASSWORD, v2);
    const before = await history('tenant_repeat');
    // WHEN
    const result = await cluster.provision('repeat', PASSWORD, v2);
    // THEN
    expect(result.applied).toEqual([]);
    expect(result.version).toBe('0002');
    expect(await history('tenant_repeat')).toEqual(before);
  });

  test('a migration added to the set is the only one applied', async () => {
    // GIVEN a tenant at 0001
    await cluster.provision('grows', PASSWORD, v1);
    // WHEN
    const result = await cluster.provision('grows', PASSWORD, v2);
    // THEN
    expect(result.applied).toEqual(['0002_tags.sql']);
    expect((await history('tenant_grows')).map((row) => row.version)).toEqual(['0001', '0002']);
  });

  test('a failing migration is rolled back whole and reported with its name and the database message', async () => {
    // GIVEN a set whose second migration creates a table, then fails
    const { migrations } = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_broken.sql': BROKEN });
    // WHEN
    const error = await rejection(cluster.provision('failing', PASSWORD, migrations));
    // THEN the error names the migration and carries PostgreSQL's message
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect(error.message).toBe('Migration 0002_broken.sql failed: relation "missing_table" does not exist');
    expect((error as MigrationFailedError).sqlState).toBe('42P01');
    expect((error as MigrationFailedError).file).toBe('0002_broken.sql');
    // AND the schema is at its last good version: 0001 stays, 0002's partial DDL is gone and unrecorded
    expect((await history('tenant_failing')).map((row) => row.version)).toEqual(['0001']);
    expect(await tableExists('tenant_failing.notes')).toBe(true);
    expect(await tableExists('tenant_failing.partial')).toBe(false);
  });

  test('once the failing migration is fixed, the next run applies it', async () => {
    // GIVEN the tenant left at 0001 by the test above
    const { migrations } = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_broken.sql': 'CREATE TABLE partial (id int);' });
    // WHEN
    const result = await cluster.provision('failing', PASSWORD, migrations);
    // THEN
    expect(result.applied).toEqual(['0002_broken.sql']);
    expect(await tableExists('tenant_failing.partial')).toBe(true);
  });

  test('an applied migration that was edited is refused, naming the file, before anything is applied', async () => {
    // GIVEN a tenant at 0001, and a set where 0001 was edited and 0002 added
    await cluster.provision('edited', PASSWORD, v1);
    const { migrations } = migrationsFolder({ '0001_notes.sql': `${NOTES_V1}CREATE INDEX notes_body_idx ON notes (body);\n`, '0002_tags.sql': TAGS_V2 });
    // WHEN
    const error = await rejection(cluster.provision('edited', PASSWORD, migrations));
    // THEN
    expect(error).toBeInstanceOf(MigrationError);
    expect(error.message).toMatch(/^Migration 0001_notes\.sql was edited after it was applied/);
    expect((await history('tenant_edited')).map((row) => row.version)).toEqual(['0001']);
    expect(await tableExists('tenant_edited.tags')).toBe(false);
  });

  test('an applied migration missing from the set is refused, naming it', async () => {
    await cluster.provision('shrinks', PASSWORD, v2);
    const error = await rejection(cluster.provision('shrinks', PASSWORD, v1));
    expect(error.message).toMatch(/^Migration 0002_tags\.sql was applied but is missing from the migration set/);
  });

  test('a new migration older than the last applied one is refused, naming it', async () => {
    // GIVEN a tenant at 0002
    const { migrations: later } = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0003_tags.sql': TAGS_V2 });
    await cluster.provision('late', PASSWORD, later);
    // WHEN a 0002 appears afterwards
    const { migrations } = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_memos.sql': 'CREATE TABLE memos (id int);', '0003_tags.sql': TAGS_V2 });
    const error = await rejection(cluster.provision('late', PASSWORD, migrations));
    // THEN
    expect(error.message).toMatch(/^Migration 0002_memos\.sql is older than the last applied migration 0003_tags\.sql/);
    expect(await tableExists('tenant_late.memos')).toBe(false);
  });

  test('a migration that cannot be split or that controls transactions is refused before anything is applied', async () => {
    const unterminated = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_bad.sql': "INSERT INTO notes (body) VALUES ('oops);" });
    expect((await rejection(cluster.provision('unsplit', PASSWORD, unterminated.migrations))).message).toBe(
      'Migration 0002_bad.sql cannot be split into statements: Unterminated string literal (line 1)',
    );
    const committing = migrationsFolder({ '0001_notes.sql': NOTES_V1, '0002_commit.sql': 'CREATE TABLE a (id int);\nCOMMIT;' });
    expect((await rejection(cluster.provision('unsplit', PASSWORD, committing.migrations))).message).toMatch(
      /^Migration 0002_commit\.sql controls transactions \(COMMIT\)/,
    );
    expect(await tableExists('tenant_unsplit.notes')).toBe(false);
  });

  test("the platform's own migrations apply to a fresh tenant", async () => {
    const migrations = loadMigrations(MIGRATIONS_DIR);
    const result = await cluster.provision('platform', PASSWORD, migrations);
    expect(result.applied).toEqual(fs.readdirSync(MIGRATIONS_DIR).filter((file) => file.endsWith('.sql')).sort());
  });
});
