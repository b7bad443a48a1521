import { type Candidate, isWordCharAt, matchesOf, Specificity } from './candidate';

/**
 * IP addresses.
 * - IPv4: four decimal octets 0-255 without leading zeros (`192.168.1.10`). Not three-part versions
 *   (`1.2.3`, `10.0.0`), longer dotted runs (OIDs, `1.2.3.4.5`), product tokens (`Chrome/120.0.0.0`) or
 *   numbers right after a version or outline word (`version 1.2.3.4`, `v1.2.3.4`, `firmware 4.1.0.2`,
 *   `Section 4.2.1.3`, `§ 1.2.3.4`).
 * - IPv6: full, compressed (`2001:db8::1`, `::1`, `fe80::`) and with an embedded IPv4 tail
 *   (`::ffff:192.0.2.128`). It must contain a digit: `cafe::beef` and `std::` are words, and
 *   MAC addresses and times (`00:1a:2b:3c:4d:5e`, `12:30:45`) have the wrong number of groups.
 */
export function findIpAddresses(text: string): Candidate[] {
  return [...ipv4Addresses(text), ...ipv6Addresses(text)];
}

const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const IPV4 = new RegExp(String.raw`(?<![\w.]|[A-Za-z]/)${OCTET}(?:\.${OCTET}){3}(?![\w]|\.\d)`, 'g');
/** Words after which four dotted numbers are a version or an outline number, not an address. */
const VERSION_OR_SECTION_BEFORE =
  /(?:\b(?:version|ver|release|build|firmware|patch|v|section|sect|sec|chapter|clause|paragraph|para|article|art|figure|fig|table|step|rule)\.?|§)\s*:?\s*$/i;

function* ipv4Addresses(text: string): Generator<Candidate> {
  for (const match of matchesOf(IPV4, text)) {
    const start = match.index!;
    if (VERSION_OR_SECTION_BEFORE.test(text.slice(Math.max(0, start - 12), start))) continue;
    yield { kind: 'ip-address', start, end: start + match[0].length, specificity: Specificity.checked };
  }
}

/** The longest textual IPv6 address: six full groups and an IPv4 tail. */
const MAX_IPV6_LENGTH = 45;
/** Hex groups and colons with at least one colon, optionally ending in a dotted IPv4 tail. */
const IPV6_CANDIDATE = /(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]+(?:\.\d{1,3}){0,3}/g;

function* ipv6Addresses(text: string): Generator<Candidate> {
  if (!text.includes(':')) return; // the expression would try every position
  for (const match of matchesOf(IPV6_CANDIDATE, text)) {
    if (match[0].length > MAX_IPV6_LENGTH + 1 || isWordCharAt(text, match.index! + match[0].length)) continue;
    const value = /[^:]:$/.test(match[0]) ? match[0].slice(0, -1) : match[0]; // `…::1: down`: the colon is prose
    if (!isIpv6(value)) continue;
    const end = match.index! + value.length;
    yield { kind: 'ip-address', start: match.index!, end, specificity: Specificity.checked };
  }
}

/** True for a textual IPv6 address (RFC 4291 §2.2) that contains at least one digit. */
export function isIpv6(value: string): boolean {
  if (!/\d/.test(value) || value.includes(':::')) return false;
  let groups = value.split(':');
  let groupCount = 8;
  const tail = groups[groups.length - 1];
  if (tail.includes('.')) {
    if (!isIpv4(tail)) return false;
    groups = groups.slice(0, -1);
    groupCount = 6;
  }
  const halves = groups.join(':').split('::');
  if (halves.length > 2) return false;
  const hexGroups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  if (!hexGroups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? hexGroups.length < groupCount : hexGroups.length === groupCount;
}

const IPV4_EXACT = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** True for a dotted-quad IPv4 address. */
export function isIpv4(value: string): boolean {
  return IPV4_EXACT.test(value);
}
