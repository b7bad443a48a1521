import { SqlSplitError } from './errors';

/**
 * The statements of a SQL script, without their terminating `;`, for APIs that run one statement per
 * call (the RDS Data API). A `;` ends a statement only outside single-quoted strings (including
 * `E'…'` strings with backslash escapes), double-quoted identifiers, dollar-quoted bodies (`$$`,
 * `$tag$`), line comments and block comments (which nest in PostgreSQL). Statements holding only
 * whitespace and comments are dropped.
 *
 * SQL-standard function bodies (`BEGIN ATOMIC … END`) hold bare `;` and are refused: write the body
 * dollar-quoted instead.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let code = ''; // the statement's text outside strings and comments, to tell a real statement from noise
  let i = 0;

  const endStatement = (end: number): void => {
    if (code.trim() !== '') {
      if (/\bbegin\s+atomic\b/i.test(code)) {
        const firstChar = start + (sql.slice(start, end).length - sql.slice(start, end).trimStart().length);
        throw new SqlSplitError('BEGIN ATOMIC function bodies are not supported: use a dollar-quoted body', lineAt(sql, firstChar));
      }
      statements.push(sql.slice(start, end).trim());
    }
    start = end + 1;
    code = '';
  };

  while (i < sql.length) {
    const char = sql[i];
    const next = sql[i + 1];
    const tag = char === '$' ? dollarTagAt(sql, i) : undefined;
    if (char === '-' && next === '-') {
      i = endOfLineComment(sql, i);
    } else if (char === '/' && next === '*') {
      i = endOfBlockComment(sql, i);
      code += ' ';
    } else if (char === "'") {
      i = endOfString(sql, i, isEscapeString(sql, i));
      code += "''";
    } else if (char === '"') {
      i = endOfQuotedIdentifier(sql, i);
      code += '""';
    } else if (tag !== undefined) {
      i = endOfDollarQuote(sql, i, tag);
      code += '$$';
    } else {
      if (char === ';') endStatement(i);
      else code += char;
      i += 1;
    }
  }
  endStatement(sql.length);
  return statements;
}

function lineAt(sql: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (sql[i] === '\n') line += 1;
  return line;
}

function isIdentifierChar(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_$]/u.test(char);
}

/** `E'…'`: the `E` must start a token, else `'` follows an identifier ending in e (a syntax error anyway). */
function isEscapeString(sql: string, quote: number): boolean {
  return (sql[quote - 1] === 'E' || sql[quote - 1] === 'e') && !isIdentifierChar(sql[quote - 2]);
}

/** The index of the newline ending a `--` comment, or the end of the text. */
function endOfLineComment(sql: string, start: number): number {
  const newline = sql.indexOf('\n', start);
  return newline === -1 ? sql.length : newline;
}

function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth += 1;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  throw new SqlSplitError('Unterminated block comment', lineAt(sql, start));
}

function endOfString(sql: string, start: number, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const char = sql[i];
    if (backslashEscapes && char === '\\') {
      i += 2;
    } else if (char === "'") {
      if (sql[i + 1] !== "'") return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  throw new SqlSplitError('Unterminated string literal', lineAt(sql, start));
}

function endOfQuotedIdentifier(sql: string, start: number): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '"') {
      if (sql[i + 1] !== '"') return i + 1;
      i += 2;
    } else {
      i += 1;
    }
  }
  throw new SqlSplitError('Unterminated quoted identifier', lineAt(sql, start));
}

const DOLLAR_TAG = /\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/uy;

/** The `$tag$` opening a dollar-quoted string at `index`, if any; `$1` and `a$b` are not one. */
function dollarTagAt(sql: string, index: number): string | undefined {
  if (isIdentifierChar(sql[index - 1])) return undefined;
  DOLLAR_TAG.lastIndex = index;
  return DOLLAR_TAG.exec(sql)?.[0];
}

function endOfDollarQuote(sql: string, start: number, tag: string): number {
  const close = sql.indexOf(tag, start + tag.length);
  if (close === -1) throw new SqlSplitError(`Unterminated dollar-quoted string ${tag}`, lineAt(sql, start));
  return close + tag.length;
}
