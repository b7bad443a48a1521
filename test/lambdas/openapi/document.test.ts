import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import { handler } from '../../../lambdas/openapi/handler';
import document from '../../../lambdas/openapi/openapi.json';
import { parseNoteCreate, parseNoteUpdate } from '../../../lambdas/notes/note-input';
import { PLATFORM_SCOPE_NAMES } from '../../../lib/config/scopes';

const REPO_ROOT = path.resolve(__dirname, '../../..');

/**
 * The validator package is ESM only, which Jest's CommonJS runtime cannot load: it runs in a child
 * Node process, exactly as published.
 */
function validateOpenApi(doc: unknown): { valid: boolean; version?: string; errors?: unknown } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ ...result, version: validator.version }));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, input: JSON.stringify(doc) });
  return JSON.parse(output.toString()) as { valid: boolean; version?: string; errors?: unknown };
}

type Operation = { security?: Array<Record<string, string[]>>; responses: Record<string, unknown> };
const paths = document.paths as unknown as Record<string, Record<string, Operation>>;
const schemas = document.components.schemas as unknown as Record<string, Record<string, unknown>>;

test('the document is valid OpenAPI 3.1', () => {
  expect(validateOpenApi(document)).toEqual({ valid: true, version: '3.1' });
});

test('the validator does find mistakes (the check above is not vacuous)', () => {
  const broken = { ...document, paths: { '/v1/notes': { get: { responses: { 200: { content: {} } } } } } };
  expect(validateOpenApi(broken).valid).toBe(false);
});

test('GET /v1/openapi.json serves the document as JSON, cacheable for five minutes', async () => {
  const response = await handler(undefined);
  expect(response.statusCode).toBe(200);
  expect(JSON.parse(response.body)).toEqual(document);
  expect(response.headers).toMatchObject({
    'Content-Type': expect.stringMatching(/^application\/json/),
    'Cache-Control': 'public, max-age=300',
    'X-Content-Type-Options': 'nosniff',
  });
});

test('every public route is documented with the scope it requires', () => {
  const documented = Object.entries(paths).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => method !== 'parameters')
      .map(([method, operation]) => [`${method.toUpperCase()} ${route}`, operation.security?.flatMap((requirement) => Object.values(requirement).flat())]),
  );
  expect(Object.fromEntries(documented)).toEqual({
    'POST /oauth2/token': [],
    'GET /.well-known/jwks.json': [],
    'GET /.well-known/openid-configuration': [],
    'GET /v1/whoami': ['whoami.read'],
    'POST /v1/notes': ['notes.write'],
    'GET /v1/notes': ['notes.read'],
    'GET /v1/notes/{id}': ['notes.read'],
    'PATCH /v1/notes/{id}': ['notes.write'],
    'DELETE /v1/notes/{id}': ['notes.write'],
    'POST /v1/notes/{id}/restore': ['notes.write'],
    'GET /v1/openapi.json': [],
    'POST /v1/documents': ['documents.write'],
    'GET /v1/documents/{id}': ['documents.read'],
    'DELETE /v1/documents/{id}': ['documents.write'],
    'POST /v1/documents/purge': ['documents.write'],
    'POST /v1/search': ['documents.read'],
    'POST /v1/llm/complete': ['llm.complete'],
  });
});

test('the scopes are the platform\'s scopes', () => {
  const used = new Set(Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => (op.security ?? []).flatMap((r) => Object.values(r).flat()))));
  // documents.text guards no route: it adds the text to search results, and the search operation says so.
  expect([...used].sort()).toEqual(PLATFORM_SCOPE_NAMES.filter((scope) => scope !== 'documents.text').sort());
  expect(JSON.stringify(paths['/v1/search'].post)).toContain('documents.text');
  expect(document.components.securitySchemes.serviceToken).toMatchObject({ type: 'http', scheme: 'bearer' });
});

test('the notes headers are documented: Idempotency-Key, If-Match and ETag', () => {
  const text = JSON.stringify(paths['/v1/notes'].post) + JSON.stringify(paths['/v1/notes/{id}']);
  for (const ref of ['parameters/IdempotencyKey', 'parameters/IfMatchRequired', 'parameters/IfMatchOptional', 'headers/ETag']) {
    expect(text).toContain(`#/components/${ref}`);
  }
  expect(document.components.parameters.IfMatchRequired).toMatchObject({ in: 'header', name: 'If-Match', required: true });
});

test('every error response uses the {code, message, details} envelope', () => {
  expect(schemas.Error).toMatchObject({ required: ['code', 'message', 'details'] });
  const errorResponses = Object.values(document.components.responses);
  expect(errorResponses.length).toBeGreaterThan(5);
  for (const response of errorResponses) expect(JSON.stringify(response)).toContain('#/components/schemas/');
});

// API Gateway validates request bodies with JSON Schema draft 4: these two schemas must be plain.
const DRAFT_4_KEYWORDS = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'maxLength', 'minLength', 'maxItems', 'minItems', 'items',
  'pattern', 'uniqueItems', 'minProperties', 'description', 'default', 'title',
]);

/** The keywords of a schema and of the schemas under `properties` and `items`. */
function keywordsOf(schema: unknown): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return [];
  return Object.entries(schema).flatMap(([key, value]) => {
    if (key === 'properties') return [key, ...Object.values(value as object).flatMap(keywordsOf)];
    return key === 'items' ? [key, ...keywordsOf(value)] : [key];
  });
}

test.each(['NoteCreate', 'NoteUpdate'])('%s uses only plain draft 4 keywords, no references', (name) => {
  const used = keywordsOf(schemas[name]).filter((keyword) => !DRAFT_4_KEYWORDS.has(keyword));
  expect(used).toEqual([]);
  expect(new Ajv04({ strict: false }).validateSchema(schemas[name])).toBe(true);
});

const accepts = (name: string, body: unknown) => new Ajv04({ strict: false }).validate(schemas[name], body) as boolean;
const parses = (parse: (body: unknown) => unknown, body: unknown) => {
  try {
    parse(body);
    return true;
  } catch {
    return false;
  }
};

test.each<[string, unknown]>([
  ['a title only', { title: 'x' }],
  ['every field', { title: 'x', body: 'y', tags: ['a-1', 'b'] }],
  ['an empty title', { title: '' }],
  ['a title of 200 emoji', { title: '😀'.repeat(200) }],
  ['a title of 201 characters', { title: 'x'.repeat(201) }],
  ['no title', { body: 'x' }],
  ['a numeric title', { title: 5 }],
  ['a NUL in the body', { title: 'x', body: 'a\u0000b' }],
  ['a body of 20,001 characters', { title: 'x', body: 'b'.repeat(20_001) }],
  ['21 tags', { title: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
  ['a repeated tag', { title: 'x', tags: ['a', 'a'] }],
  ['an uppercase tag', { title: 'x', tags: ['A'] }],
  ['a tag of 41 characters', { title: 'x', tags: ['t'.repeat(41)] }],
  ['tags that are not an array', { title: 'x', tags: 'a' }],
  ['an unknown field', { title: 'x', tenantId: 'globex' }],
  ['a null body', { title: 'x', body: null }],
])('NoteCreate and the handler agree on %s', (_, body) => {
  expect(accepts('NoteCreate', body)).toBe(parses(parseNoteCreate, body));
});

test.each<[string, unknown]>([
  ['nothing to change', {}],
  ['a title', { title: 'x' }],
  ['empty tags', { tags: [] }],
  ['an unknown field', { version: 2 }],
  ['an empty title', { title: '' }],
])('NoteUpdate and the handler agree on %s', (_, body) => {
  expect(accepts('NoteUpdate', body)).toBe(parses(parseNoteUpdate, body));
});
