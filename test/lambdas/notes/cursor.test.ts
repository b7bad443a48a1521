import { decodeCursor, encodeCursor } from '../../../lambdas/notes/cursor';

const position = { createdAt: '2025-03-10T12:00:00.123456Z', id: '0b7c5c7e-1f0a-4d3c-9a57-3c1c2f7f9f10' };

const refusal = (value: string) => {
  try {
    decodeCursor(value);
    return 'accepted';
  } catch (error) {
    return (error as { status: number; code: string }).status + ' ' + (error as { code: string }).code;
  }
};

test('a cursor decodes to the position it was made from, microseconds included', () => {
  const cursor = encodeCursor(position);
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  expect(decodeCursor(cursor)).toEqual(position);
});

test.each([
  ['empty', ''],
  ['not base64url', 'abc+/=='],
  ['not JSON', Buffer.from('not json').toString('base64url')],
  ['JSON of another shape', Buffer.from(JSON.stringify({ offset: 20 })).toString('base64url')],
  ['a timestamp without microseconds', encodeCursor({ ...position, createdAt: '2025-03-10T12:00:00.123Z' })],
  ['an impossible date', encodeCursor({ ...position, createdAt: '2025-02-30T12:00:00.123456Z' })],
  ['dated year 0000, which PostgreSQL rejects', encodeCursor({ ...position, createdAt: '0000-01-01T00:00:00.000000Z' })],
  ['dated before 1970', encodeCursor({ ...position, createdAt: '1969-12-31T23:59:59.999999Z' })],
  ['an id that is not a UUID', encodeCursor({ ...position, id: "x' OR 1=1 --" })],
  ['an extra key', Buffer.from(JSON.stringify({ t: position.createdAt, i: position.id, app: 'other' })).toString('base64url')],
  ['a truncated cursor', encodeCursor(position).slice(0, -3)],
  ['a flipped character', flipLast(encodeCursor(position))],
  ['a very long value', 'A'.repeat(5000)],
])('a cursor that is %s is refused with 400 invalid_cursor', (_, value) => {
  expect(refusal(value)).toBe('400 invalid_cursor');
});

function flipLast(value: string): string {
  const last = value[value.length - 1];
  return value.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

test.each(['1970-01-01T00:00:00.000000Z', '9999-12-31T23:59:59.999999Z'])('a cursor dated %s, at the edge of the range, is accepted', (createdAt) => {
  expect(decodeCursor(encodeCursor({ ...position, createdAt }))).toEqual({ ...position, createdAt });
});
