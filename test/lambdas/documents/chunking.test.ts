import { chunkText, validateChunking } from '../../../lambdas/shared/vectors/chunking';

const OPTIONS = { size: 100, overlap: 20 };

test('a text shorter than a chunk is one chunk', () => {
  expect(chunkText('  One short sentence.  ', OPTIONS)).toEqual(['One short sentence.']);
});

test('no chunk is longer than the size, and together they cover the text', () => {
  const text = Array.from({ length: 40 }, (_, i) => `Word${i} sits here.`).join(' ');
  const chunks = chunkText(text, OPTIONS);
  expect(chunks.every((chunk) => chunk.length <= 100)).toBe(true);
  for (const word of text.split(' ')) expect(chunks.some((chunk) => chunk.includes(word))).toBe(true);
});

test('cuts after a sentence end in the second half of the window when there is one', () => {
  const text = `${'a'.repeat(60)}. ${'b '.repeat(60)}`;
  expect(chunkText(text, OPTIONS)[0]).toBe(`${'a'.repeat(60)}.`);
});

test('otherwise cuts at white space, never inside a word', () => {
  const text = Array.from({ length: 30 }, () => 'abcdefg').join(' ');
  for (const chunk of chunkText(text, OPTIONS)) expect(chunk.split(' ').every((word) => word === 'abcdefg')).toBe(true);
});

test('consecutive chunks overlap by about the overlap, starting at a word', () => {
  const text = Array.from({ length: 60 }, (_, i) => `w${String(i).padStart(2, '0')}`).join(' ');
  const [first, second] = chunkText(text, OPTIONS);
  const firstWordOfSecond = second.split(' ')[0];
  expect(first.split(' ')).toContain(firstWordOfSecond);
  expect(first.length - first.indexOf(firstWordOfSecond)).toBeLessThanOrEqual(20);
});

test('a single long word is cut at the size, without splitting a surrogate pair', () => {
  const text = 'x'.repeat(99) + '😀'.repeat(60);
  const chunks = chunkText(text, OPTIONS);
  expect(chunks[0]).toBe('x'.repeat(99));
  expect(chunks.join('')).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
});

test('text without white space is cut into consecutive pieces: there is no word to overlap at', () => {
  const text = 'y'.repeat(1000);
  const chunks = chunkText(text, { size: 100, overlap: 50 });
  expect(chunks).toHaveLength(10);
  expect(chunks.join('')).toBe(text);
});

test('bad options fail where they are read', () => {
  expect(() => validateChunking({ size: 50, overlap: 0 })).toThrow('chunk size');
  expect(() => validateChunking({ size: 400, overlap: 300 })).toThrow('overlap');
  expect(validateChunking({ size: 400, overlap: 60 })).toEqual({ size: 400, overlap: 60 });
});
