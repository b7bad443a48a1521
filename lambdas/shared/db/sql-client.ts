/**
 * The one interface tenant code uses to reach its database. Two adapters implement it: the RDS Data API
 * (production, `rds-data-client.ts`) and `pg` (tests and local use, `pg-client.ts`); both return the
 * same shapes for the same query.
 *
 * SQL uses named parameters, `:name`, as the Data API does. Values are strings, numbers, booleans or
 * null; cast in SQL where PostgreSQL needs a type (`:body::jsonb`, `:at::timestamptz`). Rows come back
 * as plain objects: timestamps as ISO-8601 UTC strings, bigint and numeric as strings, json/jsonb parsed.
 */
export type SqlParam = string | number | boolean | null;

/** Named parameters of one statement. */
export type SqlParams = Readonly<Record<string, SqlParam>>;

/** One result row. */
export type SqlRow = Record<string, unknown>;

/** A connection to one database, acting as one database role. */
export interface SqlClient {
  /** Runs one statement and returns its rows (none for statements without a result). */
  query<T extends SqlRow = SqlRow>(sql: string, params?: SqlParams): Promise<T[]>;
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
}

/** A database error, with PostgreSQL's SQLSTATE when the driver reports one. */
export class SqlError extends Error {
  constructor(
    message: string,
    /** PostgreSQL's SQLSTATE, e.g. `42501` for insufficient privilege. */
    public readonly sqlState?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SqlError';
  }
}

const NAMED_PARAMETER = /('(?:[^']|'')*')|("(?:[^"]|"")*")|(\$[A-Za-z_]*\$[\s\S]*?\$[A-Za-z_]*\$)|(--[^\n]*)|(\/\*[\s\S]*?\*\/)|(::)|:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * `:name` placeholders rewritten to PostgreSQL's `$1, $2…`, skipping `::casts`, string literals, quoted
 * identifiers, dollar-quoted bodies and comments. Every placeholder must have a value.
 */
export function toPositional(sql: string, params: SqlParams = {}): { text: string; values: SqlParam[] } {
  const positions = new Map<string, number>();
  const values: SqlParam[] = [];
  const text = sql.replace(NAMED_PARAMETER, (match, ...groups: Array<string | undefined>) => {
    const name = groups[6];
    if (name === undefined) return match;
    if (!(name in params)) throw new SqlError(`No value for parameter :${name}`);
    if (!positions.has(name)) {
      values.push(params[name]);
      positions.set(name, values.length);
    }
    return `$${positions.get(name)}`;
  });
  return { text, values };
}
