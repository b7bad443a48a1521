import { type Candidate, Specificity } from './candidate';

/**
 * Email addresses: `local@domain.tld`, with plus-addressing, subdomains and internationalised letters.
 *
 * Scanning starts at each `@` and looks at most 64 characters back (RFC 5321's limit for the local part)
 * and one bounded domain forward, so the cost is linear whatever the text. Not addresses:
 * - no dotted domain or a numeric "TLD": `user@localhost`, `lodash@4.17.21`, `foo@1.2.3`, `@mentions`;
 * - scp-style remotes, `git@github.com:org/repo.git` (the `:` right after the host);
 * - the password of a URL's user info, `postgres://app:S3cret@db.example.com` (a secret, see
 *   labelled-secrets.ts).
 * Obfuscated forms (`jane at example dot com`) are out of scope.
 */
export function findEmails(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    const start = localPartStart(text, at);
    if (start === undefined) continue;
    const end = domainEnd(text, at + 1);
    if (end === undefined || isScpRemote(text, end) || isUrlUserInfo(text, at)) continue;
    found.push({ kind: 'email', start, end, specificity: Specificity.checked });
  }
  return found;
}

const MAX_LOCAL_PART = 64;
const LOCAL_CHAR = /[\p{L}\p{N}_.%+-]/u;

/** Where the local part before the `@` at `at` starts, or undefined if there is no valid one. */
function localPartStart(text: string, at: number): number | undefined {
  let start = at;
  while (start > 0 && at - start <= MAX_LOCAL_PART && LOCAL_CHAR.test(text[start - 1])) start -= 1;
  if (at - start > MAX_LOCAL_PART) return undefined; // a run too long to be a local part
  while (text[start] === '.' && start < at) start += 1; // a sentence's dot before the address
  if (start === at || text[at - 1] === '.' || text.slice(start, at).includes('..')) return undefined;
  return start;
}

/** Labels of letters, digits and inner hyphens, then a TLD of letters; at most 10 labels. */
const DOMAIN = /(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,10}\p{L}{2,63}(?![\p{L}\p{N}@-])/uy;

/** Where the domain starting at `from` ends, or undefined if there is no valid one. */
function domainEnd(text: string, from: number): number | undefined {
  DOMAIN.lastIndex = from;
  const match = DOMAIN.exec(text);
  if (!match || match[0].length > 253) return undefined;
  return from + match[0].length;
}

/** `git@github.com:org/repo.git`: a host followed by `:` and a path, not an address. */
function isScpRemote(text: string, end: number): boolean {
  return text[end] === ':' && end + 1 < text.length && !/\s/.test(text[end + 1]);
}

const URL_AUTHORITY_UP_TO_AT = /[a-z][a-z0-9+.-]*:\/\/[^\s/@]*$/i;

/** `scheme://user:password@host`: the `@` ends a URL's user info, whose password is a secret. */
function isUrlUserInfo(text: string, at: number): boolean {
  const before = text.slice(Math.max(0, at - 256), at);
  const separator = before.lastIndexOf('://');
  return separator !== -1 && URL_AUTHORITY_UP_TO_AT.test(before.slice(Math.max(0, separator - 32)));
}
