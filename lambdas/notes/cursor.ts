import { notesErrors } from './errors';

/**
 * A keyset position in the newest-first order: the last note's creation time and id. The time keeps
 * PostgreSQL's microseconds, because a position rounded to milliseconds would skip notes created
 * within the same millisecond.
 */
export interface Cursor {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ` */
  readonly createdAt: string;
  readonly id: string;
}

const MICROSECOND_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 200;

/** The opaque form handed to clients: base64url of `{"t": createdAt, "i": id}`. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.createdAt, i: cursor.id })).toString('base64url');
}

/** The position in `value`; anything this API did not produce throws `invalid_cursor`. */
export function decodeCursor(value: string): Cursor {
  if (value.length > MAX_CURSOR_LENGTH || !BASE64URL.test(value)) throw notesErrors.invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw notesErrors.invalidCursor();
  }
  if (!isPosition(parsed) || encodeCursor({ createdAt: parsed.t, id: parsed.i }) !== value) {
    throw notesErrors.invalidCursor(); // the re-encoding check refuses extra keys and altered bytes
  }
  return { createdAt: parsed.t, id: parsed.i.toLowerCase() };
}

function isPosition(value: unknown): value is { t: string; i: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { t, i } = value as Record<string, unknown>;
  return (
    typeof t === 'string' &&
    MICROSECOND_TIMESTAMP.test(t) &&
    isRealInstant(t) &&
    typeof i === 'string' &&
    UUID_PATTERN.test(i)
  );
}

/**
 * Years a cursor may name. PostgreSQL has no year 0000 and JavaScript reads years before 1970 happily,
 * so the range is checked here rather than failing in the database; no note predates 1970.
 */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

/** True unless the calendar fields are out of range (a 30 February would make PostgreSQL fail). */
function isRealInstant(timestamp: string): boolean {
  const seconds = timestamp.slice(0, 19);
  const year = Number(seconds.slice(0, 4));
  if (year < MIN_YEAR || year > MAX_YEAR) return false;
  const date = new Date(`${seconds}Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === seconds;
}
