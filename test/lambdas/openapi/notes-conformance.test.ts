import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { captureLogs } from '../support/aws';
import { authorizer, loadNotesModule, NotesClient, startTenantDatabases, testDeps, TestClock, type TenantDatabases } from '../notes/support/notes-api';
import { Contract, expectConforms } from './support/contract';

// Real responses of the notes handler, against a real PostgreSQL, checked against the OpenAPI document.

let databases: TenantDatabases;
let api: NotesClient;
let exchanges: Array<{ event: APIGatewayProxyEvent; response: APIGatewayProxyResult }>;
const contract = new Contract();

beforeAll(async () => {
  databases = await startTenantDatabases(['acme']);
});

afterAll(async () => {
  await databases?.stop();
});

beforeEach(() => {
  captureLogs();
  exchanges = [];
  const handler = loadNotesModule().createNotesHandler(testDeps(databases, new TestClock()));
  api = new NotesClient(async (event) => {
    const response = await handler(event);
    exchanges.push({ event, response });
    return response;
  });
});

afterEach(() => jest.restoreAllMocks());

function expectAllConform(): void {
  expect(exchanges.length).toBeGreaterThan(0);
  for (const { event, response } of exchanges) expectConforms(contract, event.httpMethod, event.resource, response);
}

test('successful responses of every notes route match the document', async () => {
  const created = await api.create({ title: 'Contract', body: 'b', tags: ['x'] }, { headers: { 'Idempotency-Key': 'c-1' } });
  await api.create({ title: 'Contract', body: 'b', tags: ['x'] }, { headers: { 'Idempotency-Key': 'c-1' } });
  await api.create({ title: 'Second' });
  const id = created.json.id;
  await api.list({ limit: '1' });
  await api.list({ includeDeleted: 'true', tag: 'x', q: 'con' });
  await api.get(id);
  await api.patch(id, { title: 'Changed' }, '"1"');
  await api.delete(id);
  await api.list({ includeDeleted: 'true' });
  await api.restore(id);
  expect(exchanges.map(({ response }) => response.statusCode)).toEqual([201, 201, 201, 200, 200, 200, 200, 204, 200, 200]);
  expectAllConform();
});

test('error responses of the notes routes match the document', async () => {
  const { json: note } = await api.create({ title: 'Errors' });
  exchanges = [];
  await api.create({ title: '', extra: true }); // 400 validation_failed
  await api.send('POST', '/v1/notes', { rawBody: '{' }); // 400 invalid_json
  await api.send('POST', '/v1/notes', { rawBody: JSON.stringify({ title: 'x', body: 'y'.repeat(70_000) }) }); // 413
  await api.create({ title: 'A' }, { headers: { 'Idempotency-Key': 'c-2' } });
  await api.create({ title: 'B' }, { headers: { 'Idempotency-Key': 'c-2' } }); // 422
  await api.list({ cursor: 'nope' }); // 400 invalid_cursor
  await api.get('not-a-uuid'); // 400
  await api.get('00000000-0000-4000-8000-000000000000'); // 404
  await api.patch(note.id, { title: 'x' }, undefined); // 428
  await api.patch(note.id, { title: 'x' }, '"9"'); // 409 version_conflict
  await api.restore(note.id); // 409 not_deleted
  await api.delete(note.id, { headers: { 'If-Match': '"7"' } }); // 409
  await api.list({}, { authorizer: null }); // 401
  await api.get(note.id, { authorizer: authorizer({ appId: 'acme-other' }) }); // 404
  await api.create({ title: 'x' }, { headers: { 'Content-Type': 'text/plain' } }); // 415
  await api.patch(note.id, { title: 'x' }, '"1"', { headers: { 'Content-Type': 'text/plain' } }); // 415
  await api.send('POST', '/v1/notes', { rawBody: '{"title":"\\ud800"}' }); // 400 invalid_body
  expect(exchanges.map(({ response }) => response.statusCode)).toEqual([400, 400, 413, 201, 422, 400, 400, 404, 428, 409, 409, 409, 401, 404, 415, 415, 400]);
  expectAllConform();
});

test('the contract check catches a response that departs from the document', () => {
  const response = { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id: 'x', title: 3 }) };
  expect(contract.problems('GET', '/v1/notes/{id}', response)).toEqual(
    expect.arrayContaining(['required header ETag is missing', expect.stringMatching(/^body\/title must be string/)]),
  );
  expect(contract.problems('GET', '/v1/notes/{id}', { ...response, statusCode: 418 })).toEqual(['GET /v1/notes/{id} does not document status 418']);
  const conflict = { statusCode: 409, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: 'version_conflict', message: 'm', details: {} }) };
  expect(contract.problems('PATCH', '/v1/notes/{id}', conflict)).not.toEqual([]); // no currentVersion
});
