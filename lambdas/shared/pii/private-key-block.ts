import { type Candidate, Specificity } from './candidate';

/**
 * PEM private key blocks (`-----BEGIN [RSA |EC |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----` to
 * the matching END line), also with JSON-escaped newlines. A block without its END line (a truncated
 * paste) is redacted through its last base64 or header line.
 */
export function findPrivateKeyBlocks(text: string): Candidate[] {
  const found: Candidate[] = [];
  const labelsWithoutEnd = new Set<string>(); // remembered so a text of many BEGIN lines stays linear
  let from = 0;
  for (let begin = text.indexOf(BEGIN, from); begin !== -1; begin = text.indexOf(BEGIN, from)) {
    HEADER.lastIndex = begin;
    const header = HEADER.exec(text);
    if (!header) {
      from = begin + BEGIN.length;
      continue;
    }
    const bodyStart = begin + header[0].length;
    const endLine = `-----END ${header[1]}-----`;
    const endLineAt = labelsWithoutEnd.has(header[1]) ? -1 : text.indexOf(endLine, bodyStart);
    if (endLineAt === -1) labelsWithoutEnd.add(header[1]);
    const end = endLineAt === -1 ? bodyEnd(text, bodyStart) : endLineAt + endLine.length;
    found.push({ kind: 'secret', start: begin, end, specificity: Specificity.vendor });
    from = end;
  }
  return found;
}

const BEGIN = '-----BEGIN ';
const HEADER = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----/y;
/**
 * Whole lines of base64, or RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`) with the blank line after them,
 * split by real or escaped newlines; a blank line anywhere else ends the block.
 */
const BODY_LINES =
  /(?:(?:\r?\n|\\r?\\n)(?:[A-Za-z0-9+/=]+|[A-Za-z-]+: [^\r\n\\]*(?:\r?\n|\\r?\\n)?)(?=\r?\n|\\r?\\n|$))*/y;

function bodyEnd(text: string, from: number): number {
  BODY_LINES.lastIndex = from;
  const body = BODY_LINES.exec(text)![0];
  return from + body.replace(/(?:\s|\\r|\\n)+$/, '').length;
}
