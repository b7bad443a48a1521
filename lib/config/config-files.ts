import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigProblem, WHOLE_FILE } from './errors';

/**
 * Finding and reading config files. Every file in a config folder is either read or reported: a file
 * the loader skipped without a word (a `.yml`, a link to elsewhere) would leave its tenant out of a
 * deploy, or let config that no review saw into one. Notes for people (`*.md`) are the one exception.
 */

/** The extension of config files; the only one read. */
export const CONFIG_EXTENSION = '.yaml';
/** Notes for people (README.md) may sit beside config files; they are not read. */
export const NOTE_EXTENSION = '.md';

/** The config files of one folder, and a problem for every other entry in it. */
export interface FolderListing {
  /** The `*.yaml` entries, sorted: what is behind them is checked when they are read. */
  readonly files: readonly string[];
  readonly problems: readonly ConfigProblem[];
}

/** The entries of `configDir/folder`; a folder that does not exist has none. */
export function listConfigFolder(configDir: string, folder: string): FolderListing {
  const dir = path.join(configDir, folder);
  if (!fs.existsSync(dir)) return { files: [], problems: [] };
  const names = fs.readdirSync(dir).sort();
  const problems = names.flatMap((name) => {
    const message = unexpectedEntry(name);
    return message ? [{ file: displayPath(path.join(dir, name)), path: WHOLE_FILE, message }] : [];
  });
  return { files: names.filter((name) => name.endsWith(CONFIG_EXTENSION)).map((name) => path.join(dir, name)), problems };
}

function unexpectedEntry(name: string): string | undefined {
  if (name.endsWith(CONFIG_EXTENSION) || name.toLowerCase().endsWith(NOTE_EXTENSION)) return undefined;
  const yamlLike = /^(.*)\.ya?ml$/i.exec(name);
  if (yamlLike) return `only .yaml files are loaded: rename it to ${yamlLike[1]}${CONFIG_EXTENSION} (allowed: .yaml)`;
  return `unexpected entry: this folder holds only config files and notes; move or delete it (allowed: <name>${CONFIG_EXTENSION}, notes <name>${NOTE_EXTENSION})`;
}

/** The text of a config file, or why it cannot be used. */
export type ConfigText = { readonly text: string } | { readonly problem: string };

/**
 * Reads a config file that must lie inside `configDir` (after following links), be a regular file and
 * be UTF-8. A leading UTF-8 byte order mark is accepted and dropped: some Windows editors write one,
 * and it changes nothing in the content.
 */
export function readConfigText(configDir: string, file: string): ConfigText {
  const located = locate(configDir, file);
  if ('problem' in located) return located;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(located.realPath);
  } catch (error) {
    return { problem: `cannot be read (${errorCode(error)}): make it readable by the user running the synth` };
  }
  return decodeUtf8(bytes);
}

function locate(configDir: string, file: string): { realPath: string } | { problem: string } {
  let realPath: string;
  try {
    realPath = fs.realpathSync(file);
  } catch (error) {
    return { problem: unresolvable(file, error) };
  }
  const root = fs.realpathSync(configDir);
  if (!realPath.startsWith(root + path.sep)) {
    return { problem: `is a link to ${realPath}, outside the config folder: config must live in ${displayPath(configDir)}, where reviews see it` };
  }
  const stats = fs.statSync(realPath);
  if (!stats.isFile()) return { problem: `is ${stats.isDirectory() ? 'a folder' : 'not a regular file'}: a config file must be a file` };
  return { realPath };
}

function unresolvable(file: string, error: unknown): string {
  const isLink = fs.lstatSync(file, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
  if (isLink && errorCode(error) === 'ENOENT') return `is a link to ${fs.readlinkSync(file)}, which does not exist`;
  return `cannot be read (${errorCode(error)})`;
}

function errorCode(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}

// fatal: refuse instead of turning bad bytes into U+FFFD; ignoreBOM false: drop a leading BOM.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function decodeUtf8(bytes: Uint8Array): ConfigText {
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    const offset = invalidUtf8Offset(bytes);
    const line = bytes.subarray(0, offset).filter((byte) => byte === 0x0a).length + 1;
    const byte = bytes[offset]?.toString(16).toUpperCase().padStart(2, '0') ?? '??';
    return { problem: `is not valid UTF-8: byte 0x${byte} at byte offset ${offset} (line ${line}); save the file as UTF-8` };
  }
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode 15, table
 * 3-7), for a precise message once TextDecoder has refused the bytes.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let offset = 0;
  while (offset < bytes.length) {
    const length = wellFormedSequenceLength(bytes, offset);
    if (length === 0) return offset;
    offset += length;
  }
  return bytes.length;
}

/** [first byte from, to, second byte from, to, sequence length] */
const SEQUENCES: readonly (readonly [number, number, number, number, number])[] = [
  [0x00, 0x7f, 0, 0, 1],
  [0xc2, 0xdf, 0x80, 0xbf, 2],
  [0xe0, 0xe0, 0xa0, 0xbf, 3],
  [0xe1, 0xec, 0x80, 0xbf, 3],
  [0xed, 0xed, 0x80, 0x9f, 3],
  [0xee, 0xef, 0x80, 0xbf, 3],
  [0xf0, 0xf0, 0x90, 0xbf, 4],
  [0xf1, 0xf3, 0x80, 0xbf, 4],
  [0xf4, 0xf4, 0x80, 0x8f, 4],
];

function wellFormedSequenceLength(bytes: Uint8Array, offset: number): number {
  const first = bytes[offset];
  const sequence = SEQUENCES.find(([from, to]) => first >= from && first <= to);
  if (!sequence) return 0;
  const [, , secondFrom, secondTo, length] = sequence;
  if (length === 1) return 1;
  if (offset + length > bytes.length) return 0;
  const second = bytes[offset + 1];
  if (second < secondFrom || second > secondTo) return 0;
  for (let next = offset + 2; next < offset + length; next++) {
    if (bytes[next] < 0x80 || bytes[next] > 0xbf) return 0;
  }
  return length;
}

/** A path as shown in problems: relative to the working directory. */
export function displayPath(file: string): string {
  return path.relative(process.cwd(), file);
}
