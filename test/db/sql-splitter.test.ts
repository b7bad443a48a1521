import { SqlSplitError } from '../../lambdas/schema-provisioner/errors';
import { splitSqlStatements } from '../../lambdas/schema-provisioner/sql-splitter';

test('statements end at semicolons and lose them; the last needs none', () => {
  expect(splitSqlStatements('CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nSELECT 1')).toEqual([
    'CREATE TABLE a (id int)',
    'CREATE TABLE b (id int)',
    'SELECT 1',
  ]);
});

test('a semicolon inside a string literal, with doubled quotes, does not split', () => {
  expect(splitSqlStatements(`INSERT INTO t VALUES ('a;b', 'it''s; fine'); SELECT 2`)).toEqual([
    `INSERT INTO t VALUES ('a;b', 'it''s; fine')`,
    'SELECT 2',
  ]);
});

test('an escape string may hide a quote behind a backslash', () => {
  expect(splitSqlStatements(`SELECT E'it\\'s; here', e'\\\\'; SELECT 3`)).toEqual([`SELECT E'it\\'s; here', e'\\\\'`, 'SELECT 3']);
});

test('a backslash in a standard string is only a backslash', () => {
  expect(splitSqlStatements(`SELECT 'C:\\'; SELECT 4`)).toEqual([`SELECT 'C:\\'`, 'SELECT 4']);
});

test('a semicolon inside a quoted identifier does not split', () => {
  expect(splitSqlStatements('CREATE TABLE "odd;name" ("col""; x" int); SELECT 5')).toEqual([
    'CREATE TABLE "odd;name" ("col""; x" int)',
    'SELECT 5',
  ]);
});

test('dollar-quoted bodies keep their semicolons, with or without a tag', () => {
  const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1;
  RETURN 2;
END;
$$`;
  const tagged = `DO $body$ BEGIN RAISE NOTICE '$$; still inside'; END $body$`;
  expect(splitSqlStatements(`${fn};\n${tagged};`)).toEqual([fn, tagged]);
});

test('a dollar tag closes only on the same tag', () => {
  const sql = `SELECT $a$ one $b$; two $b$ three; $a$`;
  expect(splitSqlStatements(`${sql}; SELECT 6`)).toEqual([sql, 'SELECT 6']);
});

test('positional parameters and dollars inside identifiers are not dollar quotes', () => {
  expect(splitSqlStatements('PREPARE p AS SELECT $1; SELECT a$b$ FROM t; SELECT 7')).toEqual([
    'PREPARE p AS SELECT $1',
    'SELECT a$b$ FROM t',
    'SELECT 7',
  ]);
});

test('line comments hide semicolons and quotes until the end of the line', () => {
  expect(splitSqlStatements("SELECT 1 -- it's; a comment\n, 2; SELECT 8")).toEqual(["SELECT 1 -- it's; a comment\n, 2", 'SELECT 8']);
});

test('block comments hide semicolons, and nest', () => {
  expect(splitSqlStatements('SELECT /* a; /* nested; */ still; */ 9; SELECT 10')).toEqual([
    'SELECT /* a; /* nested; */ still; */ 9',
    'SELECT 10',
  ]);
});

test('empty statements and statements of only comments are dropped', () => {
  expect(splitSqlStatements(';;\n  ;\n-- only a comment;\n/* and a block; */;\nSELECT 11;\n\n-- trailing note\n')).toEqual(['SELECT 11']);
  expect(splitSqlStatements('')).toEqual([]);
  expect(splitSqlStatements('\uFEFF-- a byte order mark and a comment')).toEqual([]);
});

test('a leading comment stays with its statement', () => {
  expect(splitSqlStatements('-- the notes\nCREATE TABLE notes (id int);')).toEqual(['-- the notes\nCREATE TABLE notes (id int)']);
});

test.each([
  ['string', "SELECT 1;\nSELECT 'open", 'Unterminated string literal (line 2)'],
  ['quoted identifier', 'SELECT "open', 'Unterminated quoted identifier (line 1)'],
  ['dollar quote', 'SELECT 1;\n\nDO $x$ BEGIN END $y$', 'Unterminated dollar-quoted string $x$ (line 3)'],
  ['block comment', '/* open /* nested */', 'Unterminated block comment (line 1)'],
])('an unterminated %s is an error naming its line', (_, sql, message) => {
  expect(() => splitSqlStatements(sql)).toThrow(SqlSplitError);
  expect(() => splitSqlStatements(sql)).toThrow(message);
});

test('a BEGIN ATOMIC function body is refused rather than cut in pieces', () => {
  expect(() => splitSqlStatements('SELECT 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;')).toThrow(
    'BEGIN ATOMIC function bodies are not supported: use a dollar-quoted body (line 2)',
  );
});
