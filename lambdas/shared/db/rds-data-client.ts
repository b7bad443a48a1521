import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
  type ArrayValue,
  type ColumnMetadata,
  type ExecuteStatementCommandOutput,
  type Field,
  type RDSDataClient,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { SqlClient, SqlError, SqlParam, SqlParams, SqlRow, toPositional } from './sql-client';

/** Properties of {@link RdsDataSqlClient}. */
export interface RdsDataSqlClientProps {
  /** The Data API client, with the credentials of the principal acting (e.g. the tenant's role). */
  readonly client: RDSDataClient;
  /** The Aurora cluster's ARN. */
  readonly resourceArn: string;
  /** The Secrets Manager secret holding the database login (`username`, `password`). */
  readonly secretArn: string;
  /** The database to connect to. */
  readonly database: string;
}

/**
 * {@link SqlClient} over the RDS Data API. Each call is one statement; outside a transaction consecutive
 * calls may run on different connections, so session state (SET, temp tables) does not carry over.
 */
export class RdsDataSqlClient implements SqlClient {
  constructor(
    private readonly props: RdsDataSqlClientProps,
    /** Set on the client handed to a transaction's work: every statement joins that transaction. */
    private readonly transactionId?: string,
  ) {}

  public async query<T extends SqlRow = SqlRow>(sql: string, params: SqlParams = {}): Promise<T[]> {
    toPositional(sql, params); // the pg adapter's check: every placeholder has a value
    const { client, resourceArn, secretArn, database } = this.props;
    const command = new ExecuteStatementCommand({
      resourceArn,
      secretArn,
      database,
      sql,
      parameters: toSqlParameters(params),
      includeResultMetadata: true,
      // bigint and numeric as strings: as JSON numbers they would lose digits.
      resultSetOptions: { longReturnType: 'STRING', decimalReturnType: 'STRING' },
      ...(this.transactionId ? { transactionId: this.transactionId } : {}),
    });
    const output = await client.send(command).catch(throwSqlError);
    return toRows(output) as T[];
  }

  public async transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    if (this.transactionId) return this.nestedTransaction(work);
    const { client, resourceArn, secretArn, database } = this.props;
    const { transactionId } = await client.send(new BeginTransactionCommand({ resourceArn, secretArn, database })).catch(throwSqlError);
    if (!transactionId) throw new SqlError('The Data API began a transaction without an id');
    let result: T;
    try {
      result = await work(new RdsDataSqlClient(this.props, transactionId));
    } catch (error) {
      await client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })).catch(() => undefined);
      throw error;
    }
    await client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId })).catch(throwSqlError);
    return result;
  }

  /** Inside a transaction already: a savepoint gives `work` its own all-or-nothing scope. */
  private async nestedTransaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    await this.query('SAVEPOINT nested');
    try {
      const result = await work(this);
      await this.query('RELEASE SAVEPOINT nested');
      return result;
    } catch (error) {
      await this.query('ROLLBACK TO SAVEPOINT nested').catch(() => undefined);
      throw error;
    }
  }
}

function toSqlParameters(params: SqlParams): SqlParameter[] {
  return Object.entries(params).map(([name, value]) => ({ name, value: toField(name, value) }));
}

function toField(name: string, value: SqlParam): Field {
  if (value === null) return { isNull: true };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { booleanValue: value };
    case 'number':
      if (Number.isSafeInteger(value)) return { longValue: value };
      if (Number.isFinite(value)) return { doubleValue: value };
      throw new SqlError(`Parameter :${name} is not a finite number`);
    default:
      throw new SqlError(`Parameter :${name} has an unsupported type`);
  }
}

function toRows(output: ExecuteStatementCommandOutput): SqlRow[] {
  const columns = output.columnMetadata ?? [];
  return (output.records ?? []).map((record) => {
    const row: SqlRow = {};
    record.forEach((field, i) => {
      const column: ColumnMetadata = columns[i] ?? {};
      row[column.name ?? column.label ?? `column${i}`] = fromField(field, (column.typeName ?? '').toLowerCase());
    });
    return row;
  });
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'smallint', 'integer', 'int', 'serial', 'smallserial', 'serial2', 'serial4', 'oid']);
const EXACT_TYPES = new Set(['int8', 'bigint', 'bigserial', 'serial8', 'numeric', 'decimal']);
const TIMESTAMP_TYPES = new Set(['timestamptz', 'timestamp']);
const JSON_TYPES = new Set(['json', 'jsonb']);

/** One value in the pg adapter's shape; `typeName` is the column's PostgreSQL type, lower case. */
function fromField(field: Field, typeName: string): unknown {
  if (field.isNull) return null;
  if (field.arrayValue) return fromArray(field.arrayValue, typeName.replace(/^_/, ''));
  const raw = field.stringValue ?? field.longValue ?? field.doubleValue ?? field.booleanValue ?? field.blobValue;
  return convert(raw, typeName);
}

function fromArray(array: ArrayValue, elementType: string): unknown[] {
  if (array.arrayValues) return array.arrayValues.map((inner) => (inner === null ? null : fromArray(inner, elementType)));
  const values: ReadonlyArray<unknown> =
    array.stringValues ?? array.longValues ?? array.doubleValues ?? array.booleanValues ?? [];
  return values.map((value) => (value === null ? null : convert(value, elementType)));
}

function convert(raw: unknown, typeName: string): unknown {
  if (raw === undefined || raw === null) return null;
  if (raw instanceof Uint8Array) return Buffer.from(raw);
  if (INTEGER_TYPES.has(typeName)) return Number(raw);
  if (EXACT_TYPES.has(typeName)) return String(raw);
  if (TIMESTAMP_TYPES.has(typeName) && typeof raw === 'string') return isoTimestamp(raw);
  if (JSON_TYPES.has(typeName) && typeof raw === 'string') return JSON.parse(raw);
  return raw;
}

/**
 * `2026-11-22 10:00:00.123` (the Data API's form, in UTC) or one with an offset, as ISO-8601 UTC.
 * Values a Date cannot hold (`infinity`) stay as the server wrote them.
 */
function isoTimestamp(value: string): string {
  let text = value.trim().replace(' ', 'T');
  const offset = /([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (offset && text.includes('T')) text = `${text.slice(0, offset.index)}${offset[1]}${offset[2]}:${offset[3] ?? '00'}`;
  else if (!text.endsWith('Z')) text = `${text}Z`;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/**
 * The Data API reports database errors as text ending in `; SQLState: 42501`; anything else (access
 * denied, throttling, a paused cluster) keeps its message and has no SQLSTATE.
 */
function throwSqlError(error: unknown): never {
  if (error instanceof SqlError || !(error instanceof Error)) throw error;
  const sqlState = /SQLState: ([0-9A-Z]{5})/.exec(error.message)?.[1];
  throw new SqlError(error.message, sqlState, { cause: error });
}
