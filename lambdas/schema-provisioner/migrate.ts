import type { SqlClient } from '../shared/db/sql-client';
import { MigrationError, MigrationFailedError, SqlSplitError } from './errors';
import type { Migration } from './migrations';
import { splitSqlStatements } from './sql-splitter';

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /**
   * Called after each migration commits, e.g. to log its name.
   * @default nothing
   */
  readonly onApplied?: (migration: Migration) => void;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The last applied version after the run, e.g. `0003`; null while nothing is applied. */
  readonly version: string | null;
  /** The files applied by this run, in order; empty when the schema was up to date. */
  readonly applied: string[];
}

type AppliedMigration = {
  readonly version: string;
  readonly name: string;
  readonly checksum: string;
};

interface PendingMigration {
  readonly migration: Migration;
  readonly statements: readonly string[];
}

/**
 * Brings `schema` to the last of `migrations`, connected as the role that owns the schema. The whole set
 * is checked before anything runs: an applied migration whose file changed or disappeared, or a new one
 * older than the last applied, is a {@link MigrationError} naming the file. Each pending migration then
 * runs in its own transaction with its row in `schema_migrations`; the first failure rolls back that
 * migration only and is a {@link MigrationFailedError} carrying the database's message.
 */
export async function migrate(
  db: SqlClient,
  schema: string,
  migrations: readonly Migration[],
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const table = `${quoteIdentifier(schema)}.schema_migrations`;
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${table} (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const history = await db.query<AppliedMigration>(`SELECT version, name, checksum FROM ${table} ORDER BY version`);
  const pending = planMigrations(migrations, history);
  const applied: string[] = [];
  for (const step of pending) {
    if (await applyMigration(db, schema, step)) {
      applied.push(step.migration.file);
      options.onApplied?.(step.migration);
    }
  }
  const versions = [...history.map((row) => row.version), ...pending.map((step) => step.migration.version)].sort();
  return { version: versions.at(-1) ?? null, applied };
}

/** The migrations still to apply, split into statements; throws before anything runs if the set cannot apply. */
function planMigrations(migrations: readonly Migration[], history: readonly AppliedMigration[]): PendingMigration[] {
  const byVersion = new Map(migrations.map((migration) => [migration.version, migration]));
  for (const row of history) {
    const migration = byVersion.get(row.version);
    const file = migration?.file ?? `${row.version}_${row.name}.sql`;
    if (!migration) {
      throw new MigrationError(`Migration ${file} was applied but is missing from the migration set; restore the file`, file);
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${file} was edited after it was applied (checksum ${row.checksum} applied, ${migration.checksum} now); restore it and add a new migration instead`,
        file,
      );
    }
  }
  const last = history.at(-1);
  const applied = new Set(history.map((row) => row.version));
  return migrations
    .filter((migration) => !applied.has(migration.version))
    .map((migration) => {
      if (last && migration.version < last.version) {
        throw new MigrationError(
          `Migration ${migration.file} is older than the last applied migration ${last.version}_${last.name}.sql; give it a later version`,
          migration.file,
        );
      }
      return { migration, statements: statementsOf(migration) };
    });
}

// The runner owns the transaction: a migration that ends or nests it would commit half of itself.
const TRANSACTION_CONTROL = /^(?:\s|--[^\n]*|\/\*[\s\S]*?\*\/)*(?:begin|commit|rollback|abort|end|start\s+transaction|savepoint|release|prepare\s+transaction)\b/i;

function statementsOf(migration: Migration): string[] {
  let statements: string[];
  try {
    statements = splitSqlStatements(migration.sql);
  } catch (error) {
    if (!(error instanceof SqlSplitError)) throw error;
    throw new MigrationError(`Migration ${migration.file} cannot be split into statements: ${error.message}`, migration.file, { cause: error });
  }
  const control = statements.find((statement) => TRANSACTION_CONTROL.test(statement));
  if (control !== undefined) {
    throw new MigrationError(
      `Migration ${migration.file} controls transactions (${control.split('\n')[0]}); each migration already runs in a transaction of its own`,
      migration.file,
    );
  }
  return statements;
}

/** Applies one migration in a transaction; false if a concurrent run recorded it first. */
async function applyMigration(db: SqlClient, schema: string, { migration, statements }: PendingMigration): Promise<boolean> {
  try {
    return await db.transaction(async (tx) => {
      // The role's search_path already names the schema; pinning it here means no migration can land
      // elsewhere, whatever the role setting says.
      await tx.query(`SET LOCAL search_path TO ${quoteIdentifier(schema)}`);
      // Recording first takes the row lock, so two runs of the same version serialize on it.
      const claimed = await tx.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum) ON CONFLICT (version) DO NOTHING RETURNING version',
        { version: migration.version, name: migration.name, checksum: migration.checksum },
      );
      if (claimed.length === 0) return false;
      for (const statement of statements) await tx.query(statement);
      return true;
    });
  } catch (error) {
    throw new MigrationFailedError(migration.file, error instanceof Error ? error : new Error(String(error)));
  }
}

/** PostgreSQL's quote_ident, always quoting. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
