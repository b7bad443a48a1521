import { encodeCursor } from '../../../lambdas/notes/cursor';
import { captureLogs } from '../support/aws';
import {
  authorizer,
  loadNotesModule,
  NotesClient,
  notesEvent,
  startTenantDatabases,
  testDeps,
  TestClock,
  type NoteJson,
  type PageJson,
  type Reply,
  type TenantDatabases,
} from './support/notes-api';

// The notes API end to end: the handler against a real PostgreSQL, connected as each tenant's own
// login role, with the schema the provisioner and the notes migrations create.

let databases: TenantDatabases;
let clock: TestClock;
let api: NotesClient;
let logs: ReturnType<typeof captureLogs>;

const GLOBEX = { authorizer: authorizer({ tenantId: 'globex', appId: 'globex-notes', subject: 'user-9' }) };
const OTHER_APP = { authorizer: authorizer({ appId: 'acme-crm' }) };
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  databases = await startTenantDatabases(['acme', 'globex']);
});

afterAll(async () => {
  await databases?.stop();
});

beforeEach(async () => {
  for (const client of databases.clients.values()) await client.query('TRUNCATE notes, idempotency_keys');
  databases.requested.length = 0;
  clock = new TestClock();
  logs = captureLogs();
  api = new NotesClient(loadNotesModule().createNotesHandler(testDeps(databases, clock)));
});

afterEach(() => {
  jest.restoreAllMocks();
});

async function createNote(title = 'Groceries', extra: Record<string, unknown> = {}, options = {}): Promise<NoteJson> {
  const reply = await api.create({ title, ...extra }, options);
  expect(reply.status).toBe(201);
  return reply.json;
}

describe('POST /v1/notes', () => {
  test('creates a note: 201 with the note, its Location and its ETag', async () => {
    const reply = await api.create({ title: 'Groceries', body: 'milk, eggs', tags: ['home', 'weekly'] });
    expect(reply.status).toBe(201);
    expect(reply.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Groceries',
      body: 'milk, eggs',
      tags: ['home', 'weekly'],
      version: 1,
      createdBy: 'user-0001',
      createdAt: '2025-03-10T12:00:00.001Z',
      updatedAt: '2025-03-10T12:00:00.001Z',
      deletedAt: null,
    });
    expect(Object.keys(reply.json)).toEqual(['id', 'title', 'body', 'tags', 'version', 'createdBy', 'createdAt', 'updatedAt', 'deletedAt']);
    expect(reply.headers).toMatchObject({ Location: `/v1/notes/${reply.json.id}`, ETag: '"1"' });
  });

  test('a note without body or tags gets an empty body and no tags', async () => {
    expect(await createNote('Bare')).toMatchObject({ body: '', tags: [] });
  });

  test('tags keep the order they were given in', async () => {
    expect((await createNote('Ordered', { tags: ['zeta', 'alpha', 'mid'] })).tags).toEqual(['zeta', 'alpha', 'mid']);
  });

  test('unknown fields are a 400 naming each of them, and nothing is stored', async () => {
    const reply = await api.create({ title: 'x', color: 'red', pinned: true });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({
      code: 'validation_failed',
      message: expect.any(String),
      details: {
        fields: [
          { field: 'color', message: 'is not allowed' },
          { field: 'pinned', message: 'is not allowed' },
        ],
      },
    });
    expect((await api.list()).json.items).toEqual([]);
  });

  test('bad values are a 400 naming every bad field', async () => {
    const reply = await api.create({ title: '', body: 42, tags: ['Not Ok', 'ok', 'ok'] });
    expect(reply.status).toBe(400);
    expect((reply.json.details as { fields: { field: string }[] }).fields.map((problem) => problem.field)).toEqual([
      'title',
      'body',
      'tags.0',
      'tags',
    ]);
  });

  test('a body that is not JSON is a 400 invalid_json', async () => {
    const reply = await api.send('POST', '/v1/notes', { rawBody: '{"title": "unterminated' });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ code: 'invalid_json', message: 'The request body is not valid JSON.', details: {} });
  });

  test('a missing body is a 400 invalid_json', async () => {
    expect((await api.send('POST', '/v1/notes')).json.code).toBe('invalid_json');
  });

  test('a body over 64 KiB is a 413 payload_too_large, before it is parsed', async () => {
    const reply = await api.send('POST', '/v1/notes', { rawBody: `{"title":"x","body":"${'a'.repeat(64 * 1024)}"}` });
    expect(reply.status).toBe(413);
    expect(reply.json).toMatchObject({ code: 'payload_too_large', details: { limitBytes: 65536 } });
  });

  test('a base64-encoded body is decoded first', async () => {
    const reply = await api.send('POST', '/v1/notes', { body: { title: 'Encoded ✓' }, base64: true });
    expect(reply.status).toBe(201);
    expect(reply.json.title).toBe('Encoded ✓');
  });

  test('every response is JSON with the security headers', async () => {
    const replies = [await api.create({ title: 'x' }), await api.create({ nope: 1 }), await api.get(UNKNOWN_ID)];
    for (const reply of replies) {
      expect(reply.headers).toMatchObject({
        'Content-Type': expect.stringMatching(/^application\/json/),
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Strict-Transport-Security': expect.any(String),
      });
    }
  });
});

describe('Idempotency-Key', () => {
  test('a repeated key returns the first response and creates nothing', async () => {
    const first = await api.create({ title: 'Once', tags: ['a'] }, { headers: { 'Idempotency-Key': 'key-1' } });
    clock.now(); // time moves on between the two calls
    const second = await api.create({ title: 'Once', tags: ['a'] }, { headers: { 'Idempotency-Key': 'key-1' } });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.raw.body).toBe(first.raw.body);
    expect(second.headers).toMatchObject({ Location: first.headers.Location, ETag: '"1"', 'Idempotent-Replayed': 'true' });
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    expect(await api.listAll()).toHaveLength(1);
  });

  test('the same request with different formatting counts as the same request', async () => {
    const first = await api.send('POST', '/v1/notes', { rawBody: '{"title":"Same"}', headers: { 'Idempotency-Key': 'k' } });
    const second = await api.send('POST', '/v1/notes', { rawBody: '{ "title" : "Same", "tags": [] }', headers: { 'Idempotency-Key': 'k' } });
    expect(second.json).toEqual(first.json);
  });

  test('a replay returns the first response even after the note has changed', async () => {
    const first = await api.create({ title: 'v1' }, { headers: { 'Idempotency-Key': 'key-2' } });
    expect((await api.patch(first.json.id, { title: 'v2' }, '"1"')).status).toBe(200);
    const replay = await api.create({ title: 'v1' }, { headers: { 'Idempotency-Key': 'key-2' } });
    expect(replay.json).toEqual(first.json);
  });

  test('parallel requests with one key create one note, and all get its response', async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, () => api.create({ title: 'Race' }, { headers: { 'Idempotency-Key': 'race-key' } })),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(8).fill(201));
    expect(new Set(replies.map((reply) => reply.json.id)).size).toBe(1);
    expect(replies.filter((reply) => reply.headers['Idempotent-Replayed'] === undefined)).toHaveLength(1);
    expect(await api.listAll()).toHaveLength(1);
  });

  test('the same key with a different body is a 422 idempotency_key_reused', async () => {
    await api.create({ title: 'First' }, { headers: { 'Idempotency-Key': 'key-3' } });
    const reply = await api.create({ title: 'Second' }, { headers: { 'Idempotency-Key': 'key-3' } });
    expect(reply.status).toBe(422);
    expect(reply.json).toMatchObject({ code: 'idempotency_key_reused', details: { header: 'Idempotency-Key' } });
    expect(await api.listAll()).toHaveLength(1);
  });

  test('another user of the app reusing a key gets 422, never the first user\'s note', async () => {
    await api.create({ title: 'Mine' }, { headers: { 'Idempotency-Key': 'shared' } });
    const reply = await api.create({ title: 'Mine' }, { headers: { 'Idempotency-Key': 'shared' }, authorizer: authorizer({ subject: 'user-0002' }) });
    expect(reply.status).toBe(422);
  });

  test('keys are per app: another app with the same key gets its own note', async () => {
    const mine = await api.create({ title: 'Same' }, { headers: { 'Idempotency-Key': 'key-4' } });
    const theirs = await api.create({ title: 'Same' }, { headers: { 'Idempotency-Key': 'key-4' }, ...OTHER_APP });
    expect(theirs.status).toBe(201);
    expect(theirs.headers['Idempotent-Replayed']).toBeUndefined();
    expect(theirs.json.id).not.toBe(mine.json.id);
  });

  test('keys are per tenant: another tenant with the same key gets its own note', async () => {
    const mine = await api.create({ title: 'Same' }, { headers: { 'Idempotency-Key': 'key-5' } });
    const theirs = await api.create({ title: 'Same' }, { headers: { 'Idempotency-Key': 'key-5' }, ...GLOBEX });
    expect(theirs.status).toBe(201);
    expect(theirs.json.id).not.toBe(mine.json.id);
  });

  test('a key older than 24 hours counts as new', async () => {
    const first = await api.create({ title: 'Old' }, { headers: { 'Idempotency-Key': 'key-6' } });
    await databases.clients.get('acme')!.query(`UPDATE idempotency_keys SET created_at = created_at - interval '25 hours'`);
    const second = await api.create({ title: 'Old' }, { headers: { 'Idempotency-Key': 'key-6' } });
    expect(second.json.id).not.toBe(first.json.id);
  });

  test('a failed create does not use up its key', async () => {
    expect((await api.create({ title: '' }, { headers: { 'Idempotency-Key': 'key-7' } })).status).toBe(400);
    expect((await api.create({ title: 'Fixed' }, { headers: { 'Idempotency-Key': 'key-7' } })).status).toBe(201);
  });

  test.each([['an empty key', ''], ['a key with a space', 'a b'], ['a key of 129 characters', 'k'.repeat(129)], ['a non-ASCII key', 'clé']])(
    '%s is a 400 naming the header',
    async (_, key) => {
      const reply = await api.create({ title: 'x' }, { headers: { 'Idempotency-Key': key } });
      expect(reply.status).toBe(400);
      expect(reply.json).toMatchObject({ code: 'invalid_header', details: { header: 'Idempotency-Key' } });
    },
  );
});

describe('GET /v1/notes', () => {
  test('lists the app\'s notes, newest first, 20 by default', async () => {
    for (let i = 0; i < 22; i++) await createNote(`note ${i}`);
    const reply = await api.list();
    expect(reply.status).toBe(200);
    expect(reply.json.items.map((note) => note.title)).toEqual(Array.from({ length: 20 }, (_, i) => `note ${21 - i}`));
    expect(reply.json.nextCursor).toEqual(expect.any(String));
  });

  test('the last page has no next cursor', async () => {
    await createNote('only');
    expect((await api.list()).json).toEqual({ items: [expect.objectContaining({ title: 'only' })], nextCursor: null });
  });

  test('pages neither skip nor repeat notes while notes are created between and during page requests', async () => {
    const existing = new Set<string>();
    for (let i = 0; i < 23; i++) existing.add((await createNote(`existing ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const [page]: [Reply<PageJson>, ...unknown[]] = await Promise.all([
        api.list(cursor ? { limit: '5', cursor } : { limit: '5' }),
        createNote(`new ${round}a`),
        createNote(`new ${round}b`),
      ]);
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((note) => note.id));
      cursor = page.json.nextCursor;
      await createNote(`new ${round}c`);
      round += 1;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.has(id))).toHaveLength(existing.size);
  });

  test('notes created in the same instant page by id, without skips or repeats', async () => {
    clock.freeze();
    const existing = new Set<string>();
    for (let i = 0; i < 17; i++) existing.add((await createNote(`tied ${i}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Reply<PageJson> = await api.list(cursor ? { limit: '4', cursor } : { limit: '4' });
      seen.push(...page.json.items.map((note) => note.id));
      cursor = page.json.nextCursor;
      await createNote('tied, later'); // same timestamp: lands before or after the cursor by its id
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((id) => existing.has(id))).toHaveLength(existing.size);
  });

  test('filters by tag', async () => {
    await createNote('a', { tags: ['work'] });
    await createNote('b', { tags: ['home', 'work'] });
    await createNote('c', { tags: ['home'] });
    expect((await api.list({ tag: 'work' })).json.items.map((note) => note.title)).toEqual(['b', 'a']);
  });

  test('filters by a case-insensitive substring of the title, taking % and _ literally', async () => {
    await createNote('Weekly PLANNING');
    await createNote('planner');
    await createNote('100% done');
    await createNote('other');
    expect((await api.list({ q: 'plan' })).json.items.map((note) => note.title)).toEqual(['planner', 'Weekly PLANNING']);
    expect((await api.list({ q: '%' })).json.items.map((note) => note.title)).toEqual(['100% done']);
    expect((await api.list({ q: '_' })).json.items).toEqual([]);
  });

  test('leaves deleted notes out unless includeDeleted=true', async () => {
    const kept = await createNote('kept');
    const gone = await createNote('gone');
    await api.delete(gone.id);
    expect((await api.list()).json.items.map((note) => note.id)).toEqual([kept.id]);
    const all = (await api.list({ includeDeleted: 'true' })).json.items;
    expect(all.map((note) => note.id)).toEqual([gone.id, kept.id]);
    expect(all[0].deletedAt).toEqual(expect.any(String));
    expect((await api.list({ includeDeleted: 'false' })).json.items).toHaveLength(1);
  });

  test.each([
    ['limit', '0'],
    ['limit', '101'],
    ['limit', 'ten'],
    ['limit', '5.5'],
    ['tag', 'Not A Tag'],
    ['q', ''],
    ['includeDeleted', 'yes'],
  ])('%s=%j is a 400 naming the parameter', async (name, value) => {
    const reply = await api.list({ [name]: value });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'validation_failed', details: { fields: [{ field: name, message: expect.any(String) }] } });
  });

  test('a malformed or tampered cursor is a 400 invalid_cursor', async () => {
    for (let i = 0; i < 3; i++) await createNote(`n${i}`);
    const { nextCursor } = (await api.list({ limit: '1' })).json;
    const decoded = JSON.parse(Buffer.from(nextCursor!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...decoded, i: 'not-a-uuid' })).toString('base64url');
    for (const cursor of ['garbage!', 'e30', tampered, `${nextCursor}x`]) {
      const reply = await api.list({ cursor });
      expect(reply.status).toBe(400);
      expect(reply.json.code).toBe('invalid_cursor');
    }
  });
});

describe('GET /v1/notes/{id}', () => {
  test('returns the note with its ETag', async () => {
    const note = await createNote('Read me');
    const reply = await api.get(note.id);
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual(note);
    expect(reply.headers.ETag).toBe('"1"');
  });

  test('an unknown id is a 404 not_found', async () => {
    const reply = await api.get(UNKNOWN_ID);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ code: 'not_found', message: 'There is no such note.', details: {} });
  });

  test('an id that is not a UUID is a 400 naming the id', async () => {
    const reply = await api.get('42');
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'validation_failed', details: { fields: [{ field: 'id', message: 'must be a UUID' }] } });
  });

  test('a deleted note is a 404', async () => {
    const note = await createNote();
    await api.delete(note.id);
    expect((await api.get(note.id)).status).toBe(404);
  });
});

describe('another app of the same tenant', () => {
  test('sees none of the app\'s notes, and cannot read, change, delete or restore them', async () => {
    const note = await createNote('Private');
    expect((await api.list({}, OTHER_APP)).json.items).toEqual([]);
    expect((await api.get(note.id, OTHER_APP)).status).toBe(404);
    expect((await api.patch(note.id, { title: 'hijacked' }, '"1"', OTHER_APP)).status).toBe(404);
    expect((await api.delete(note.id, OTHER_APP)).status).toBe(404);
    expect((await api.restore(note.id, OTHER_APP)).status).toBe(404);
    expect(await api.get(note.id)).toMatchObject({ status: 200, json: { title: 'Private', version: 1 } });
  });
});

describe('the tenant comes only from the authorizer context', () => {
  test('a body naming another tenant is refused, and the field named', async () => {
    const reply = await api.create({ title: 'x', tenantId: 'globex' });
    expect(reply.status).toBe(400);
    expect(reply.json.details).toEqual({ fields: [{ field: 'tenantId', message: 'is not allowed' }] });
  });

  test('query parameters and headers naming another tenant or app change nothing', async () => {
    await createNote('acme note');
    await createNote('globex note', {}, GLOBEX);
    databases.requested.length = 0;
    const reply = await api.list({ tenantId: 'globex', appId: 'globex-notes' }, { headers: { 'X-Tenant-Id': 'globex' } });
    expect(reply.json.items.map((note) => note.title)).toEqual(['acme note']);
    expect(databases.requested).toEqual(['acme']);
  });

  test('each tenant\'s notes live in its own database', async () => {
    await createNote('acme note');
    expect((await api.list({}, GLOBEX)).json.items).toEqual([]);
    const [row] = await databases.clients.get('globex')!.query('SELECT count(*)::int AS n FROM notes');
    expect(row).toEqual({ n: 0 });
  });

  test.each([
    ['no authorizer context', null],
    ['no tenant', { appId: 'acme-notes', subject: 'user-0001' }],
    ['no app', { tenantId: 'acme', subject: 'user-0001' }],
    ['no subject', { tenantId: 'acme', appId: 'acme-notes' }],
    ['a malformed tenant', authorizer({ tenantId: '../globex' })],
  ])('%s is a 401 before any database is touched', async (_, context) => {
    const reply = await api.create({ title: 'x' }, { authorizer: context });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ code: 'unauthorized', message: 'The request is not authenticated.', details: {} });
    expect(databases.requested).toEqual([]);
  });
});

describe('PATCH /v1/notes/{id}', () => {
  test('changes the named fields and moves the version on', async () => {
    const note = await createNote('Draft', { body: 'keep me', tags: ['x'] });
    const reply = await api.patch(note.id, { title: 'Final', tags: [] }, '"1"');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ ...note, title: 'Final', tags: [], version: 2, updatedAt: '2025-03-10T12:00:00.002Z' });
    expect(reply.headers.ETag).toBe('"2"');
  });

  test('a stale If-Match is a 409 version_conflict with the current version', async () => {
    const note = await createNote();
    await api.patch(note.id, { title: 'second' }, '"1"');
    const reply = await api.patch(note.id, { title: 'lost update' }, '"1"');
    expect(reply.status).toBe(409);
    expect(reply.json).toMatchObject({ code: 'version_conflict', details: { currentVersion: 2 } });
    expect((await api.get(note.id)).json.title).toBe('second');
  });

  test('without If-Match it is a 428 precondition_required', async () => {
    const note = await createNote();
    const reply = await api.patch(note.id, { title: 'blind write' }, undefined);
    expect(reply.status).toBe(428);
    expect(reply.json).toMatchObject({ code: 'precondition_required', details: { header: 'If-Match' } });
  });

  test.each(['1', '*', 'W/"1"', '"abc"', '"99999999999"'])('If-Match %s is a 400 naming the header', async (ifMatch) => {
    const note = await createNote();
    const reply = await api.patch(note.id, { title: 'x' }, ifMatch);
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ code: 'invalid_header', details: { header: 'If-Match' } });
  });

  test('unknown fields and bad values are a 400 naming them', async () => {
    const note = await createNote();
    const reply = await api.patch(note.id, { title: 'x'.repeat(201), version: 7 }, '"1"');
    expect(reply.status).toBe(400);
    expect(reply.json.details).toEqual({
      fields: [
        { field: 'title', message: 'must be 1 to 200 characters' },
        { field: 'version', message: 'is not allowed' },
      ],
    });
  });

  test('an empty change is a 400', async () => {
    const note = await createNote();
    expect((await api.patch(note.id, {}, '"1"')).json.code).toBe('validation_failed');
  });

  test('a deleted or unknown note is a 404', async () => {
    const note = await createNote();
    await api.delete(note.id);
    expect((await api.patch(note.id, { title: 'x' }, '"2"')).status).toBe(404);
    expect((await api.patch(UNKNOWN_ID, { title: 'x' }, '"1"')).status).toBe(404);
  });
});

describe('DELETE /v1/notes/{id} and restore', () => {
  test('deletes softly: 204 without a body, then the note is gone and a second delete is a 404', async () => {
    const note = await createNote();
    const reply = await api.delete(note.id);
    expect(reply.status).toBe(204);
    expect(reply.raw.body).toBe('');
    expect(reply.headers['Content-Type']).toMatch(/^application\/json/);
    expect((await api.get(note.id)).status).toBe(404);
    expect((await api.delete(note.id)).status).toBe(404);
  });

  test('a stale If-Match on delete is a 409, a current one deletes', async () => {
    const note = await createNote();
    await api.patch(note.id, { title: 'v2' }, '"1"');
    const stale = await api.delete(note.id, { headers: { 'If-Match': '"1"' } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ code: 'version_conflict', details: { currentVersion: 2 } });
    expect((await api.delete(note.id, { headers: { 'If-Match': '"2"' } })).status).toBe(204);
  });

  test('restore brings a deleted note back with a new version', async () => {
    const note = await createNote('Back');
    await api.delete(note.id);
    const reply = await api.restore(note.id);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ id: note.id, title: 'Back', deletedAt: null, version: 3 });
    expect(reply.headers.ETag).toBe('"3"');
    expect((await api.get(note.id)).status).toBe(200);
  });

  test('restoring a note that is not deleted is a 409 not_deleted; an unknown one a 404', async () => {
    const note = await createNote();
    const reply = await api.restore(note.id);
    expect(reply.status).toBe(409);
    expect(reply.json.code).toBe('not_deleted');
    expect((await api.restore(UNKNOWN_ID)).status).toBe(404);
  });
});

describe('routing', () => {
  test('an unknown resource is a 404 envelope', async () => {
    const reply = await api.send('GET', '/v1/notebooks');
    expect(reply.status).toBe(404);
    expect(reply.json).toMatchObject({ code: 'route_not_found' });
  });

  test('an unsupported method is a 405 envelope with Allow', async () => {
    const reply = await api.send('PUT', '/v1/notes/{id}', { id: UNKNOWN_ID, body: { title: 'x' } });
    expect(reply.status).toBe(405);
    expect(reply.json).toMatchObject({ code: 'method_not_allowed', details: { allowed: ['GET', 'PATCH', 'DELETE'] } });
    expect(reply.headers.Allow).toBe('GET, PATCH, DELETE');
  });

  test('the gateway\'s own name for the id parameter works too', async () => {
    const note = await createNote();
    const handler = loadNotesModule().createNotesHandler(testDeps(databases, clock));
    const event = { ...notesEvent('GET', '/v1/notes/{id}', { id: note.id }), resource: '/v1/notes/{noteId}', pathParameters: { noteId: note.id } };
    expect((await handler(event)).statusCode).toBe(200);
  });
});

describe('failures and logs', () => {
  test('a database outage is a 500 internal_error that reveals nothing', async () => {
    const handler = loadNotesModule().createNotesHandler({ databaseFor: async () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432')) });
    const reply = await new NotesClient(handler).create({ title: 'x' });
    expect(reply.status).toBe(500);
    expect(reply.json).toEqual({ code: 'internal_error', message: 'The server could not complete the request.', details: {} });
  });

  test('logs carry the tenant, the app and the correlation id, never titles or bodies', async () => {
    await api.create({ title: 'SECRET-TITLE', body: 'SECRET-BODY' });
    await api.create({ title: 'SECRET-TITLE', color: 'SECRET-FIELD-VALUE' });
    await api.list({ q: 'SECRET-QUERY' });
    const lines = logs.lines().filter((line) => !('_aws' in line)); // metrics carry dimensions, not log keys
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).toMatchObject({ tenantId: 'acme', appId: 'acme-notes', correlation_id: expect.stringMatching(/^request-/) });
    }
    expect(logs.text()).not.toMatch(/SECRET/);
  });
});

describe('hostile input never gets a 500', () => {
  const UUID = '0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10';

  test.each([
    ['year 0000, which PostgreSQL does not have', '0000-01-01T00:00:00.000000Z'],
    ['a year before 1970', '1969-12-31T23:59:59.999999Z'],
  ])('a cursor dated %s is a 400 invalid_cursor', async (_, createdAt) => {
    const reply = await api.list({ cursor: encodeCursor({ createdAt, id: UUID }) });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ code: 'invalid_cursor', message: expect.any(String), details: { parameter: 'cursor' } });
  });

  test.each([
    ['the title', '{"title":"\\ud800"}', 'title'],
    ['a tag', '{"title":"x","tags":["ok","\\udc00"]}', 'tags.1'],
    ['the body, after a valid pair', '{"title":"x","body":"\\ud83d\\ude00 and \\ude00"}', 'body'],
    ['a key', '{"title":"x","\\ud800":1}', '\ud800'],
  ])('a lone UTF-16 surrogate in %s is a 400 invalid_body naming the field, and nothing is stored', async (_, rawBody, field) => {
    const reply = await api.send('POST', '/v1/notes', { rawBody });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ code: 'invalid_body', message: expect.any(String), details: { field } });
    expect((await api.list()).json.items).toEqual([]);
  });

  test('a lone surrogate in a PATCH is refused too', async () => {
    const note = await createNote();
    const reply = await api.send('PATCH', '/v1/notes/{id}', { id: note.id, rawBody: '{"title":"\\udfff"}', headers: { 'If-Match': '"1"' } });
    expect(reply.json).toMatchObject({ code: 'invalid_body', details: { field: 'title' } });
  });

  test('an escaped surrogate pair is one character and is stored as sent', async () => {
    const reply = await api.send('POST', '/v1/notes', { rawBody: '{"title":"\\ud83d\\ude00"}' });
    expect(reply.status).toBe(201);
    expect(reply.json.title).toBe('😀');
  });
});

describe('the Content-Type of a body', () => {
  test.each(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonx', ''])(
    '%j is a 415 unsupported_media_type, and nothing is stored',
    async (contentType) => {
      const reply = await api.create({ title: 'x' }, { headers: { 'Content-Type': contentType } });
      expect(reply.status).toBe(415);
      expect(reply.json).toEqual({ code: 'unsupported_media_type', message: expect.any(String), details: { header: 'Content-Type' } });
      expect((await api.list()).json.items).toEqual([]);
    },
  );

  test('a body without Content-Type is a 415', async () => {
    const event = notesEvent('POST', '/v1/notes', { body: { title: 'x' } });
    delete (event.headers as Record<string, string>)['Content-Type'];
    const reply = await loadNotesModule().createNotesHandler(testDeps(databases, clock))(event);
    expect(reply.statusCode).toBe(415);
  });

  test('a PATCH sent as text/plain is a 415', async () => {
    const note = await createNote();
    const reply = await api.patch(note.id, { title: 'y' }, '"1"', { headers: { 'Content-Type': 'text/plain' } });
    expect(reply.status).toBe(415);
  });

  test.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/json ; charset="utf-8"'])(
    '%j is accepted',
    async (contentType) => {
      expect((await api.create({ title: 'x' }, { headers: { 'Content-Type': contentType } })).status).toBe(201);
    },
  );

  test('a request without a body needs no Content-Type', async () => {
    const note = await createNote();
    expect((await api.delete(note.id, { headers: { 'Content-Type': 'text/plain' } })).status).toBe(204);
  });
});

describe('observability', () => {
  const metricLines = () => logs.lines().filter((line) => '_aws' in line);

  test('the caller\'s Authorization header never reaches the logs', async () => {
    const headers = { Authorization: 'Bearer SECRET-HEADER.SECRET-PAYLOAD.SECRET-SIGNATURE' };
    await api.create({ title: 'x' }, { headers });
    await api.create({ nope: 1 }, { headers });
    await api.list({ cursor: 'bad' }, { headers });
    expect(logs.text()).not.toMatch(/SECRET/);
  });

  test('a request is counted per tenant and app', async () => {
    await api.create({ title: 'x' });
    expect(metricLines()).toEqual([expect.objectContaining({ service: 'notes', tenantId: 'acme', appId: 'acme-notes', Requests: 1 })]);
  });

  test('a request without a caller is counted as a denial of an unknown caller', async () => {
    await api.list({}, { authorizer: null });
    expect(metricLines()).toEqual([expect.objectContaining({ tenantId: 'unknown', appId: 'unknown', Denials: 1 })]);
  });

  test('a database outage is counted as an error', async () => {
    const handler = loadNotesModule().createNotesHandler({ databaseFor: async () => Promise.reject(new Error('down')) });
    await new NotesClient(handler).list();
    expect(metricLines()).toEqual([expect.objectContaining({ tenantId: 'acme', Errors: 1 })]);
  });
});
