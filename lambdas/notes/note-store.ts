import type { SqlClient, SqlParams, SqlRow } from '../shared/db/sql-client';
import { encodeCursor, type Cursor } from './cursor';
import { notesErrors } from './errors';
import type { NoteCreate, NoteUpdate } from './note-input';
import type { ListQuery } from './request';

/** A note as the API returns it. */
export interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly tags: string[];
  readonly version: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly deletedAt: string | null;
}

/** One page of notes and the cursor of the next, `null` on the last page. */
export interface NotePage {
  readonly items: Note[];
  readonly nextCursor: string | null;
}

interface NoteRow extends SqlRow {
  id: string;
  title: string;
  body: string;
  tags: string[];
  version: number;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  position_at: string;
}

// Ids as text and tags as jsonb: both database adapters return those the same way. `position_at` keeps
// the microseconds that the ISO timestamps drop, for exact keyset positions.
const NOTE_COLUMNS = `id::text AS id, title, body, to_jsonb(tags) AS tags, version, created_by, created_at, updated_at,
  deleted_at, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_at`;

// Parameters are scalars: tags travel as a JSON array and become text[] in order.
const TAGS_FROM_JSON = `ARRAY(SELECT tag FROM jsonb_array_elements_text(:tags::jsonb) WITH ORDINALITY AS t(tag, n) ORDER BY n)`;

/** The notes of one app in one tenant database. Every statement is filtered by the app. */
export class NoteStore {
  constructor(
    private readonly db: SqlClient,
    private readonly appId: string,
  ) {}

  /** Inserts a note created by `subject` at `now`. */
  async create(input: NoteCreate, subject: string, now: Date): Promise<Note> {
    const [row] = await this.db.query<NoteRow>(
      `INSERT INTO notes (app_id, title, body, tags, created_by, created_at, updated_at)
       VALUES (:appId, :title, :body, ${TAGS_FROM_JSON}, :subject, :now::timestamptz, :now::timestamptz)
       RETURNING ${NOTE_COLUMNS}`,
      { appId: this.appId, title: input.title, body: input.body, tags: JSON.stringify(input.tags), subject, now: now.toISOString() },
    );
    return toNote(row);
  }

  /** The live note `id`; 404 when it is unknown, another app's or deleted. */
  async get(id: string): Promise<Note> {
    const note = await this.find(id);
    if (!note || note.deletedAt !== null) throw notesErrors.notFound();
    return note;
  }

  /** A page of notes, newest first, after the cursor's position. */
  async list(query: ListQuery): Promise<NotePage> {
    const conditions = ['app_id = :appId'];
    const params: Record<string, string | number | boolean> = { appId: this.appId, limit: query.limit + 1 };
    if (!query.includeDeleted) conditions.push('deleted_at IS NULL');
    if (query.tag !== undefined) {
      conditions.push('tags @> ARRAY[:tag::text]');
      params.tag = query.tag;
    }
    if (query.q !== undefined) {
      conditions.push('strpos(lower(title), lower(:q)) > 0');
      params.q = query.q;
    }
    if (query.after !== undefined) {
      conditions.push('(created_at, id) < (:afterAt::timestamptz, :afterId::uuid)');
      params.afterAt = query.after.createdAt;
      params.afterId = query.after.id;
    }
    const rows = await this.db.query<NoteRow>(
      `SELECT ${NOTE_COLUMNS} FROM notes WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT :limit`,
      params,
    );
    // One row more than asked tells whether another page exists.
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const hasMore = rows.length > query.limit;
    return { items: page.map(toNote), nextCursor: hasMore ? encodeCursor(positionOf(last)) : null };
  }

  /** Applies `changes` if the live note is at `expectedVersion`; 404 or 409 otherwise. */
  async update(id: string, changes: NoteUpdate, expectedVersion: number, now: Date): Promise<Note> {
    const assignments: string[] = [];
    const params: Record<string, string | number> = { appId: this.appId, id, expectedVersion, now: now.toISOString() };
    if (changes.title !== undefined) {
      assignments.push('title = :title');
      params.title = changes.title;
    }
    if (changes.body !== undefined) {
      assignments.push('body = :body');
      params.body = changes.body;
    }
    if (changes.tags !== undefined) {
      assignments.push(`tags = ${TAGS_FROM_JSON}`);
      params.tags = JSON.stringify(changes.tags);
    }
    const [row] = await this.db.query<NoteRow>(
      `UPDATE notes SET ${assignments.join(', ')}, version = version + 1, updated_at = :now::timestamptz
       WHERE app_id = :appId AND id = :id::uuid AND deleted_at IS NULL AND version = :expectedVersion
       RETURNING ${NOTE_COLUMNS}`,
      params,
    );
    if (row) return toNote(row);
    throw notesErrors.versionConflict((await this.get(id)).version);
  }

  /** Soft-deletes the live note, checking `expectedVersion` when given; 404 or 409 otherwise. */
  async softDelete(id: string, expectedVersion: number | undefined, now: Date): Promise<void> {
    const rows = await this.db.query(
      `UPDATE notes SET deleted_at = :now::timestamptz, updated_at = :now::timestamptz, version = version + 1
       WHERE app_id = :appId AND id = :id::uuid AND deleted_at IS NULL${versionCondition(expectedVersion)}
       RETURNING id::text AS id`,
      versionParams({ appId: this.appId, id, now: now.toISOString() }, expectedVersion),
    );
    if (rows.length === 0) throw notesErrors.versionConflict((await this.get(id)).version);
  }

  /** Undeletes a deleted note, checking `expectedVersion` when given; 404, or 409 when not deleted. */
  async restore(id: string, expectedVersion: number | undefined, now: Date): Promise<Note> {
    const [row] = await this.db.query<NoteRow>(
      `UPDATE notes SET deleted_at = NULL, updated_at = :now::timestamptz, version = version + 1
       WHERE app_id = :appId AND id = :id::uuid AND deleted_at IS NOT NULL${versionCondition(expectedVersion)}
       RETURNING ${NOTE_COLUMNS}`,
      versionParams({ appId: this.appId, id, now: now.toISOString() }, expectedVersion),
    );
    if (row) return toNote(row);
    const current = await this.find(id);
    if (!current) throw notesErrors.notFound();
    if (current.deletedAt === null) throw notesErrors.notDeleted();
    throw notesErrors.versionConflict(current.version);
  }

  /** The note `id` of this app, deleted or not. */
  private async find(id: string): Promise<Note | undefined> {
    const [row] = await this.db.query<NoteRow>(`SELECT ${NOTE_COLUMNS} FROM notes WHERE app_id = :appId AND id = :id::uuid`, {
      appId: this.appId,
      id,
    });
    return row ? toNote(row) : undefined;
  }
}

function versionCondition(expectedVersion: number | undefined): string {
  return expectedVersion === undefined ? '' : ' AND version = :expectedVersion';
}

function versionParams(params: Record<string, string | number>, expectedVersion: number | undefined): SqlParams {
  return expectedVersion === undefined ? params : { ...params, expectedVersion };
}

function positionOf(row: NoteRow): Cursor {
  return { createdAt: row.position_at, id: row.id };
}

function toNote(row: NoteRow): Note {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    tags: row.tags,
    version: Number(row.version),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

/**
 * A note stored as JSON (an idempotent replay), rebuilt field by field: jsonb does not keep key order,
 * and a replay must read like the first response.
 */
export function noteFromJson(value: unknown): Note {
  const note = (value ?? {}) as Record<string, unknown>;
  const strings = ['id', 'title', 'body', 'createdBy', 'createdAt', 'updatedAt'] as const;
  const valid =
    strings.every((field) => typeof note[field] === 'string') &&
    Array.isArray(note.tags) &&
    typeof note.version === 'number' &&
    (note.deletedAt === null || typeof note.deletedAt === 'string');
  if (!valid) throw new Error('A stored note response is malformed');
  return {
    id: note.id as string,
    title: note.title as string,
    body: note.body as string,
    tags: note.tags as string[],
    version: note.version as number,
    createdBy: note.createdBy as string,
    createdAt: note.createdAt as string,
    updatedAt: note.updatedAt as string,
    deletedAt: note.deletedAt as string | null,
  };
}
