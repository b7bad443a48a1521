import { ValidationError } from '../../../lambdas/notes/errors';
import { parseNoteCreate, parseNoteUpdate } from '../../../lambdas/notes/note-input';

function problems(parse: () => unknown): Array<{ field: string; message: string }> {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.fields];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

test('a note to create gets an empty body and no tags by default', () => {
  expect(parseNoteCreate({ title: 'Groceries' })).toEqual({ title: 'Groceries', body: '', tags: [] });
});

test('every unknown field is named, next to the fields with bad values', () => {
  expect(problems(() => parseNoteCreate({ title: '', tenantId: 'globex', appId: 'x', tags: ['OK'] }))).toEqual([
    { field: 'title', message: 'must be 1 to 200 characters' },
    { field: 'tags.0', message: 'must be 1 to 40 of a-z, 0-9 and -' },
    { field: 'tenantId', message: 'is not allowed' },
    { field: 'appId', message: 'is not allowed' },
  ]);
});

test('a missing title is required, a title of the wrong type must be a string', () => {
  expect(problems(() => parseNoteCreate({}))).toEqual([{ field: 'title', message: 'is required' }]);
  expect(problems(() => parseNoteCreate({ title: 7 }))).toEqual([{ field: 'title', message: 'must be a string' }]);
});

test('lengths count characters, not UTF-16 units, as JSON Schema and PostgreSQL do', () => {
  expect(parseNoteCreate({ title: '😀'.repeat(200) }).title).toHaveLength(400);
  expect(problems(() => parseNoteCreate({ title: '😀'.repeat(201) }))).toEqual([{ field: 'title', message: 'must be 1 to 200 characters' }]);
  expect(problems(() => parseNoteCreate({ title: 't', body: 'b'.repeat(20_001) }))).toEqual([
    { field: 'body', message: 'must be at most 20000 characters' },
  ]);
});

test('text with NUL characters is refused before it reaches PostgreSQL', () => {
  expect(problems(() => parseNoteCreate({ title: 'a\u0000b' }))).toEqual([{ field: 'title', message: 'must not contain NUL characters' }]);
});

test('tags are at most 20 distinct lowercase words', () => {
  const many = Array.from({ length: 21 }, (_, i) => `tag-${i}`);
  expect(problems(() => parseNoteCreate({ title: 't', tags: many }))).toEqual([{ field: 'tags', message: 'must hold at most 20 tags' }]);
  expect(problems(() => parseNoteCreate({ title: 't', tags: ['a', 'a'] }))).toEqual([{ field: 'tags', message: 'must not repeat a tag' }]);
  expect(problems(() => parseNoteCreate({ title: 't', tags: ['x'.repeat(41)] }))).toEqual([
    { field: 'tags.0', message: 'must be 1 to 40 of a-z, 0-9 and -' },
  ]);
});

test.each([null, [], 'title', 42])('a body that is not an object (%j) is named as (root)', (input) => {
  expect(problems(() => parseNoteCreate(input))).toEqual([{ field: '(root)', message: 'must be a JSON object' }]);
});

test('an update changes only the fields it names, and must name one', () => {
  expect(parseNoteUpdate({ tags: [] })).toEqual({ tags: [] });
  expect(problems(() => parseNoteUpdate({}))).toEqual([{ field: '(root)', message: 'must change at least one of title, body, tags' }]);
  expect(problems(() => parseNoteUpdate({ title: 'x', version: 3 }))).toEqual([{ field: 'version', message: 'is not allowed' }]);
});
