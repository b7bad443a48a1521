import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { SqlClient } from '../shared/db/sql-client';
import { jsonResponse } from '../shared/http';
import { requestHash, runOnce } from './idempotency';
import { parseNoteCreate, parseNoteUpdate } from './note-input';
import { NoteStore, noteFromJson, type Note } from './note-store';
import {
  expectedVersionOf,
  idempotencyKeyOf,
  jsonBody,
  listQueryOf,
  noteIdOf,
  requiredVersionOf,
  type Caller,
} from './request';

/** What an operation works with: the request, the verified caller, the tenant's database and the time. */
export interface OperationContext {
  readonly event: APIGatewayProxyEvent;
  readonly caller: Caller;
  readonly db: SqlClient;
  readonly now: Date;
}

/** One route's work. */
export type Operation = (context: OperationContext) => Promise<APIGatewayProxyResult>;

/** `POST /v1/notes`: 201; with an `Idempotency-Key`, a repeat gets the first response. */
export const createNote: Operation = async ({ event, caller, db, now }) => {
  const key = idempotencyKeyOf(event);
  const input = parseNoteCreate(jsonBody(event));
  const create = async (client: SqlClient) => new NoteStore(client, caller.appId).create(input, caller.subject, now);
  if (key === undefined) return createdResponse(await create(db), false);
  const result = await runOnce(
    db,
    // The subject is part of the request: another user of the app reusing a key gets 422, not this note.
    { appId: caller.appId, key, now, requestHash: requestHash({ operation: 'create-note', subject: caller.subject, ...input }) },
    async (tx) => ({ status: 201, body: await create(tx) }),
    noteFromJson,
  );
  return createdResponse(result.body, result.replayed, result.status);
};

/** `GET /v1/notes`: a page of the app's notes, newest first. */
export const listNotes: Operation = async ({ event, caller, db }) => {
  const page = await new NoteStore(db, caller.appId).list(listQueryOf(event));
  return jsonResponse(200, page);
};

/** `GET /v1/notes/{id}` */
export const getNote: Operation = async ({ event, caller, db }) => {
  const id = noteIdOf(event);
  return noteResponse(200, await new NoteStore(db, caller.appId).get(id));
};

/** `PATCH /v1/notes/{id}`: requires `If-Match`; 409 when the note has moved on. */
export const updateNote: Operation = async ({ event, caller, db, now }) => {
  const id = noteIdOf(event);
  const expectedVersion = requiredVersionOf(event);
  const changes = parseNoteUpdate(jsonBody(event));
  return noteResponse(200, await new NoteStore(db, caller.appId).update(id, changes, expectedVersion, now));
};

/** `DELETE /v1/notes/{id}`: soft delete, 204; `If-Match` is checked when sent. */
export const deleteNote: Operation = async ({ event, caller, db, now }) => {
  const id = noteIdOf(event);
  await new NoteStore(db, caller.appId).softDelete(id, expectedVersionOf(event), now);
  return { ...jsonResponse(204, null), body: '' };
};

/** `POST /v1/notes/{id}/restore`: 200 with the note; 409 when it is not deleted. */
export const restoreNote: Operation = async ({ event, caller, db, now }) => {
  const id = noteIdOf(event);
  return noteResponse(200, await new NoteStore(db, caller.appId).restore(id, expectedVersionOf(event), now));
};

function noteResponse(status: number, note: Note, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return jsonResponse(status, note, { ETag: `"${note.version}"`, ...headers });
}

function createdResponse(note: Note, replayed: boolean, status = 201): APIGatewayProxyResult {
  return noteResponse(status, note, {
    Location: `/v1/notes/${note.id}`,
    ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
  });
}
