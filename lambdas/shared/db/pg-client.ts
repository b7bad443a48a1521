import { DatabaseError, Pool, PoolClient, types } from 'pg';
import { SqlClient, SqlError, SqlParams, SqlRow, toPositional } from './sql-client';

const TIMESTAMPTZ = 1184;
const TIMESTAMP = 1114;

// Timestamps come back as ISO-8601 UTC strings, as the Data API adapter returns them.
types.setTypeParser(TIMESTAMPTZ, (value) => new Date(value).toISOString());
types.setTypeParser(TIMESTAMP, (value) => new Date(`${value.replace(' ', 'T')}Z`).toISOString());

type Queryable = Pool | PoolClient;

/** {@link SqlClient} over node-postgres, for tests and local use. */
export class PgSqlClient implements SqlClient {
  constructor(private readonly db: Queryable) {}

  public async query<T extends SqlRow = SqlRow>(sql: string, params: SqlParams = {}): Promise<T[]> {
    const { text, values } = toPositional(sql, params);
    try {
      const result = await this.db.query(text, values);
      return result.rows as T[];
    } catch (error) {
      throw asSqlError(error);
    }
  }

  public async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (!(this.db instanceof Pool)) return this.nestedTransaction(work);
    const connection = await this.db.connect();
    try {
      await connection.query('BEGIN');
      const result = await work(new PgSqlClient(connection));
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => undefined);
      throw asSqlError(error);
    } finally {
      connection.release();
    }
  }

  /** Inside a transaction already: a savepoint gives `work` its own all-or-nothing scope. */
  private async nestedTransaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    await this.db.query('SAVEPOINT nested');
    try {
      const result = await work(this);
      await this.db.query('RELEASE SAVEPOINT nested');
      return result;
    } catch (error) {
      await this.db.query('ROLLBACK TO SAVEPOINT nested').catch(() => undefined);
      throw asSqlError(error);
    }
  }
}

/** Database errors become `SqlError`s with their SQLSTATE; anything else (e.g. an API error thrown by `work`) passes through. */
function asSqlError(error: unknown): unknown {
  if (!(error instanceof DatabaseError)) return error;
  return new SqlError(error.message, error.code, { cause: error });
}
