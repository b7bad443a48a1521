import { Pool } from 'pg';
import { PgSqlClient } from '../../lambdas/shared/db/pg-client';
import { SqlError, toPositional } from '../../lambdas/shared/db/sql-client';
import { startPostgres, TestPostgres } from '../support/postgres';

let postgres: TestPostgres;
let db: PgSqlClient;

beforeAll(async () => {
  postgres = await startPostgres();
  db = new PgSqlClient(postgres.admin);
  await db.query('CREATE TABLE items (id int PRIMARY KEY, at timestamptz NOT NULL, doc jsonb, big bigint)');
});

afterAll(async () => {
  await postgres.stop();
});

test('named parameters become positional, skipping casts, literals, quoted identifiers and comments', () => {
  const { text, values } = toPositional(
    `SELECT :a::int, ':b', "x:c", $$ :d $$, :a -- :e\n/* :f */ , :g`,
    { a: 1, g: 'G' },
  );
  expect(text).toBe(`SELECT $1::int, ':b', "x:c", $$ :d $$, $1 -- :e\n/* :f */ , $2`);
  expect(values).toEqual([1, 'G']);
});

test('a placeholder without a value is an error naming it', () => {
  expect(() => toPositional('SELECT :missing')).toThrow('No value for parameter :missing');
});

test('rows come back with ISO timestamps, parsed json and bigint as string', async () => {
  await db.query(`INSERT INTO items VALUES (:id, :at::timestamptz, :doc::jsonb, :big)`, {
    id: 1,
    at: '2026-11-22T10:00:00.123Z',
    doc: JSON.stringify({ a: [1, 2] }),
    big: '9007199254740993',
  });
  const rows = await db.query('SELECT id, at, doc, big FROM items WHERE id = :id', { id: 1 });
  expect(rows).toEqual([{ id: 1, at: '2026-11-22T10:00:00.123Z', doc: { a: [1, 2] }, big: '9007199254740993' }]);
});

test('a transaction that throws is rolled back', async () => {
  await expect(
    db.transaction(async (tx) => {
      await tx.query(`INSERT INTO items VALUES (2, now(), null, null)`);
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
  expect(await db.query('SELECT id FROM items WHERE id = 2')).toEqual([]);
});

test('a nested transaction rolls back only its own work', async () => {
  await db.transaction(async (tx) => {
    await tx.query(`INSERT INTO items VALUES (3, now(), null, null)`);
    await expect(tx.transaction(async (inner) => inner.query(`INSERT INTO items VALUES (3, now(), null, null)`))).rejects.toThrow();
  });
  expect(await db.query('SELECT id FROM items WHERE id = 3')).toEqual([{ id: 3 }]);
});

test('database errors carry the SQLSTATE', async () => {
  const error = await db.query('SELECT * FROM missing_table').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SqlError);
  expect((error as SqlError).sqlState).toBe('42P01');
});

test('the server accepts password logins for roles it knows, and refuses wrong passwords', async () => {
  await db.query(`CREATE ROLE probe LOGIN PASSWORD 'right-password'`);
  const good = new Pool({ connectionString: postgres.url('probe', 'right-password') });
  expect(await new PgSqlClient(good).query('SELECT current_user AS who')).toEqual([{ who: 'probe' }]);
  await good.end();
  const bad = new Pool({ connectionString: postgres.url('probe', 'wrong') });
  await expect(bad.query('SELECT 1')).rejects.toThrow(/password authentication failed/);
  await bad.end();
});

test('errors that are not database errors pass through a transaction unchanged', async () => {
  class DomainError extends Error {}
  const error = await db.transaction(async () => {
    throw new DomainError('not a database problem');
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DomainError);
});
