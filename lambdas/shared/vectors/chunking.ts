/** How text is cut into chunks, in characters (UTF-16 code units, as JavaScript counts them). */
export interface ChunkingOptions {
  /** The longest chunk. */
  readonly size: number;
  /** How much of the end of one chunk the next one repeats, so a sentence cut in two is found whole. */
  readonly overlap: number;
}

/** A sentence ends at `.`, `!`, `?` or an ideographic full stop followed by white space, or at a blank line. */
const SENTENCE_END = /[.!?。！？]["')\]]?\s|\n\s*\n/g;
const WHITE_SPACE = /\s/g;

/** Checks options once, where they are read (the environment), so a bad value fails the cold start. */
export function validateChunking(options: ChunkingOptions): ChunkingOptions {
  const { size, overlap } = options;
  if (!Number.isInteger(size) || size < 100 || size > 20_000) throw new Error('The chunk size must be 100 to 20000 characters');
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > size / 2) {
    throw new Error('The chunk overlap must be 0 to half the chunk size');
  }
  return options;
}

/**
 * Cuts `text` into chunks of at most `size` characters. A chunk ends at the last sentence end in its
 * second half, else at the last white space there, else (one long word) exactly at `size`; the next
 * chunk starts `overlap` characters earlier, at a word boundary. Chunks are trimmed; empty ones dropped.
 */
export function chunkText(text: string, options: ChunkingOptions): string[] {
  const { size, overlap } = options;
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    const end = start + size >= text.length ? text.length : cutPoint(text, start, start + size);
    const chunk = text.slice(start, end).trim();
    if (chunk !== '') chunks.push(chunk);
    if (end >= text.length) break;
    start = Math.max(nextStart(text, end - overlap, end), start + 1);
  }
  return chunks;
}

/** Where a chunk from `start` that may reach `limit` ends (exclusive). */
function cutPoint(text: string, start: number, limit: number): number {
  const floor = start + Math.floor((limit - start) / 2);
  const window = text.slice(floor, limit);
  const sentence = lastMatchEnd(SENTENCE_END, window);
  if (sentence !== undefined) return floor + sentence;
  const space = lastMatchEnd(WHITE_SPACE, window);
  if (space !== undefined) return floor + space;
  return isLowSurrogate(text, limit) ? limit - 1 : limit; // never split a surrogate pair
}

/** The first word start at or after `from` and before `end`; `end` itself when there is none. */
function nextStart(text: string, from: number, end: number): number {
  if (from <= 0) return 0;
  if (/\s/.test(text[from - 1])) return from;
  WHITE_SPACE.lastIndex = from;
  const space = WHITE_SPACE.exec(text);
  return space && space.index < end ? space.index + 1 : end;
}

function lastMatchEnd(pattern: RegExp, text: string): number | undefined {
  let last: number | undefined;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) last = match.index + match[0].length;
  return last;
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}
