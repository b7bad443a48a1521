import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MigrationError } from './errors';

/** One versioned SQL file of the tenant schema. */
export interface Migration {
  /** The four-digit prefix of the file name, e.g. `0001`; migrations apply in this order. */
  readonly version: string;
  /** The description after the prefix, e.g. `notes`. */
  readonly name: string;
  /** The file name, e.g. `0001_notes.sql`. */
  readonly file: string;
  /** The file's text, as UTF-8. */
  readonly sql: string;
  /** The sha256 of the file's bytes, hex. */
  readonly checksum: string;
}

/**
 * The migrations folder shipped next to the running code. The bundle must copy
 * `lambdas/schema-provisioner/migrations` beside it; esbuild does not follow files read at run time.
 */
export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

const MIGRATION_FILE = /^(\d{4})_([A-Za-z0-9][A-Za-z0-9_-]*)\.sql$/;

/**
 * The migrations in `dir`, in version order. Every `*.sql` file must be named `NNNN_description.sql`
 * with a version of its own; other files (a README) are ignored.
 */
export function loadMigrations(dir: string): Migration[] {
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name);
  const migrations = files.map((file) => readMigration(dir, file)).sort((a, b) => a.version.localeCompare(b.version));
  assertDistinctVersions(migrations);
  return migrations;
}

/**
 * One sha256 over the whole set, each file's name and content NUL-terminated, in order: it changes
 * whenever a migration is added, renamed or edited, so a deploy that ships a changed set reaches every
 * tenant. The deploy computes the same digest from the source folder for the custom resource's
 * `MigrationsChecksum`, and the handler checks that the bundle holds that very set.
 */
export function migrationsChecksum(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const migration of migrations) hash.update(migration.file).update('\0').update(migration.sql).update('\0');
  return hash.digest('hex');
}

function readMigration(dir: string, file: string): Migration {
  const match = MIGRATION_FILE.exec(file);
  if (!match) {
    throw new MigrationError(`Migration file ${file} is not named NNNN_description.sql (e.g. 0001_notes.sql)`, file);
  }
  const bytes = fs.readFileSync(path.join(dir, file));
  return {
    version: match[1],
    name: match[2],
    file,
    sql: bytes.toString('utf8'),
    checksum: createHash('sha256').update(bytes).digest('hex'),
  };
}

function assertDistinctVersions(sorted: readonly Migration[]): void {
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].version === sorted[i - 1].version) {
      throw new MigrationError(
        `Migrations ${sorted[i - 1].file} and ${sorted[i].file} share version ${sorted[i].version}`,
        sorted[i].file,
      );
    }
  }
}
