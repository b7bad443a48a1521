import {
  AccessDeniedException,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { mockClient } from 'aws-sdk-client-mock';
import { RdsDataSqlClient } from '../../lambdas/shared/db/rds-data-client';
import { SqlError } from '../../lambdas/shared/db/sql-client';

const CLUSTER_ARN = 'arn:aws:rds:eu-west-1:123456789012:cluster:microplane-pooled';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:microplane/dev/tenants/acme/database-AbCdEf';
const TARGET = { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, database: 'microplane' };
const RESULT_OPTIONS = { includeResultMetadata: true, resultSetOptions: { longReturnType: 'STRING', decimalReturnType: 'STRING' } };

const client = new RDSDataClient({ region: 'eu-west-1' });
const rds = mockClient(client);
const db = new RdsDataSqlClient({ client, ...TARGET });

beforeEach(() => {
  rds.reset();
  rds.on(ExecuteStatementCommand).resolves({ records: [], columnMetadata: [] });
  rds.on(BeginTransactionCommand).resolves({ transactionId: 'tx-1' });
  rds.on(CommitTransactionCommand).resolves({ transactionStatus: 'Transaction Committed' });
  rds.on(RollbackTransactionCommand).resolves({ transactionStatus: 'Rollback Complete' });
});

/** Every call the client made, in order, as [command, input]. */
const calls = () => rds.calls().map((call) => [(call.args[0] as object).constructor.name, (call.args[0] as { input: unknown }).input]);

test('a query sends the SQL and its named parameters to the cluster with the secret and the database', async () => {
  // WHEN
  await db.query('SELECT * FROM notes WHERE id = :id AND title = :title AND ratio > :ratio AND done = :done AND gone IS NOT DISTINCT FROM :gone', {
    id: 7,
    title: 'groceries',
    ratio: 0.5,
    done: true,
    gone: null,
  });
  // THEN
  expect(calls()).toEqual([
    [
      'ExecuteStatementCommand',
      {
        ...TARGET,
        ...RESULT_OPTIONS,
        sql: 'SELECT * FROM notes WHERE id = :id AND title = :title AND ratio > :ratio AND done = :done AND gone IS NOT DISTINCT FROM :gone',
        parameters: [
          { name: 'id', value: { longValue: 7 } },
          { name: 'title', value: { stringValue: 'groceries' } },
          { name: 'ratio', value: { doubleValue: 0.5 } },
          { name: 'done', value: { booleanValue: true } },
          { name: 'gone', value: { isNull: true } },
        ],
      },
    ],
  ]);
});

test('numbers that are not safe integers go as doubles, and a number that is not finite is refused', async () => {
  await db.query('SELECT :big::bigint', { big: 2 ** 60 });
  expect(rds.commandCalls(ExecuteStatementCommand)[0].args[0].input.parameters).toEqual([{ name: 'big', value: { doubleValue: 2 ** 60 } }]);
  await expect(db.query('SELECT :n', { n: Number.NaN })).rejects.toThrow('Parameter :n is not a finite number');
});

test('a placeholder without a value is refused before anything is sent', async () => {
  await expect(db.query('SELECT :missing')).rejects.toThrow('No value for parameter :missing');
  expect(rds.calls()).toHaveLength(0);
});

test("rows come back in the pg adapter's shapes, read from the column metadata", async () => {
  // GIVEN what the Data API returns with long and decimal values as strings
  rds.on(ExecuteStatementCommand).resolves({
    columnMetadata: [
      { name: 'id', typeName: 'int4' },
      { name: 'small', typeName: 'int2' },
      { name: 'serial_id', typeName: 'serial' },
      { name: 'big', typeName: 'int8' },
      { name: 'price', typeName: 'numeric' },
      { name: 'ratio', typeName: 'float8' },
      { name: 'done', typeName: 'bool' },
      { name: 'title', typeName: 'text' },
      { name: 'at', typeName: 'timestamptz' },
      { name: 'local', typeName: 'timestamp' },
      { name: 'doc', typeName: 'jsonb' },
      { name: 'raw', typeName: 'json' },
      { name: 'tags', typeName: '_text' },
      { name: 'counts', typeName: '_int8' },
      { name: 'bytes', typeName: 'bytea' },
      { name: 'nothing', typeName: 'text' },
    ],
    records: [
      [
        { stringValue: '42' },
        { longValue: 3 },
        { stringValue: '5' },
        { stringValue: '9007199254740993' },
        { stringValue: '12.50' },
        { doubleValue: 0.25 },
        { booleanValue: true },
        { stringValue: 'groceries' },
        { stringValue: '2026-11-22 10:00:00.123' },
        { stringValue: '2026-11-22 10:00:00' },
        { stringValue: '{"a":[1,2]}' },
        { stringValue: '[true]' },
        { arrayValue: { stringValues: ['home', 'todo'] } },
        { arrayValue: { longValues: [1, 2] } },
        { blobValue: new Uint8Array([1, 2, 3]) },
        { isNull: true },
      ],
    ],
  });
  // WHEN
  const rows = await db.query('SELECT …');
  // THEN
  expect(rows).toEqual([
    {
      id: 42,
      small: 3,
      serial_id: 5,
      big: '9007199254740993',
      price: '12.50',
      ratio: 0.25,
      done: true,
      title: 'groceries',
      at: '2026-11-22T10:00:00.123Z',
      local: '2026-11-22T10:00:00.000Z',
      doc: { a: [1, 2] },
      raw: [true],
      tags: ['home', 'todo'],
      counts: ['1', '2'],
      bytes: Buffer.from([1, 2, 3]),
      nothing: null,
    },
  ]);
});

test.each([
  ['2026-11-22 10:00:00.123456', '2026-11-22T10:00:00.123Z'],
  ['2026-11-22 12:00:00+02', '2026-11-22T10:00:00.000Z'],
  ['2026-11-22 04:30:00-05:30', '2026-11-22T10:00:00.000Z'],
  ['infinity', 'infinity'],
])('the timestamp %s comes back as %s', async (value, expected) => {
  rds.on(ExecuteStatementCommand).resolves({ columnMetadata: [{ name: 'at', typeName: 'timestamptz' }], records: [[{ stringValue: value }]] });
  expect(await db.query('SELECT at')).toEqual([{ at: expected }]);
});

test('a statement without a result set gives no rows', async () => {
  rds.on(ExecuteStatementCommand).resolves({ numberOfRecordsUpdated: 3 });
  expect(await db.query('DELETE FROM notes')).toEqual([]);
});

test('a transaction begins, runs every statement with its id, and commits', async () => {
  // WHEN
  const result = await db.transaction(async (tx) => {
    await tx.query('INSERT INTO notes (body) VALUES (:body)', { body: 'a' });
    await tx.query('DELETE FROM drafts');
    return 'done';
  });
  // THEN
  expect(result).toBe('done');
  expect(calls()).toEqual([
    ['BeginTransactionCommand', TARGET],
    ['ExecuteStatementCommand', { ...TARGET, ...RESULT_OPTIONS, sql: 'INSERT INTO notes (body) VALUES (:body)', parameters: [{ name: 'body', value: { stringValue: 'a' } }], transactionId: 'tx-1' }],
    ['ExecuteStatementCommand', { ...TARGET, ...RESULT_OPTIONS, sql: 'DELETE FROM drafts', parameters: [], transactionId: 'tx-1' }],
    ['CommitTransactionCommand', { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, transactionId: 'tx-1' }],
  ]);
});

test('a transaction whose work throws is rolled back, not committed, and the error passes through', async () => {
  // GIVEN
  const failure = new Error('abort');
  // WHEN
  const outcome = db.transaction(async (tx) => {
    await tx.query('DELETE FROM drafts');
    throw failure;
  });
  // THEN
  await expect(outcome).rejects.toBe(failure);
  expect(calls().map(([command]) => command)).toEqual(['BeginTransactionCommand', 'ExecuteStatementCommand', 'RollbackTransactionCommand']);
  expect(rds.commandCalls(RollbackTransactionCommand)[0].args[0].input).toEqual({ resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN, transactionId: 'tx-1' });
});

test('a nested transaction is a savepoint inside the same transaction', async () => {
  // WHEN the inner work fails and the outer one goes on
  await db.transaction(async (tx) => {
    await tx.transaction(async () => Promise.reject(new Error('inner'))).catch(() => undefined);
    await tx.query('SELECT 1');
  });
  // THEN
  const statements = rds.commandCalls(ExecuteStatementCommand).map((call) => [call.args[0].input.sql, call.args[0].input.transactionId]);
  expect(statements).toEqual([
    ['SAVEPOINT nested', 'tx-1'],
    ['ROLLBACK TO SAVEPOINT nested', 'tx-1'],
    ['SELECT 1', 'tx-1'],
  ]);
  expect(rds.commandCalls(CommitTransactionCommand)).toHaveLength(1);
});

test('a failed commit rejects the transaction with a SqlError', async () => {
  rds.on(CommitTransactionCommand).rejects(new DatabaseErrorException({ message: 'ERROR: could not serialize access; SQLState: 40001', $metadata: {} }));
  const error = await db.transaction(async () => 'work').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SqlError);
  expect((error as SqlError).sqlState).toBe('40001');
});

test("a database error becomes a SqlError with the SQLSTATE and the database's message", async () => {
  // GIVEN
  const message = 'ERROR: permission denied for schema tenant_globex\n  Position: 15; SQLState: 42501';
  rds.on(ExecuteStatementCommand).rejects(new DatabaseErrorException({ message, $metadata: {} }));
  // WHEN
  const error = await db.query('SELECT * FROM tenant_globex.notes').catch((e: unknown) => e);
  // THEN
  expect(error).toBeInstanceOf(SqlError);
  expect(error).toMatchObject({ message, sqlState: '42501' });
  expect((error as SqlError).cause).toBeInstanceOf(DatabaseErrorException);
});

test('an AWS error that is not from the database becomes a SqlError without a SQLSTATE', async () => {
  rds.on(ExecuteStatementCommand).rejects(new AccessDeniedException({ message: 'User is not authorized to perform rds-data:ExecuteStatement', $metadata: {} }));
  const error = await db.query('SELECT 1').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SqlError);
  expect(error).toMatchObject({ message: 'User is not authorized to perform rds-data:ExecuteStatement', sqlState: undefined });
});
