import { createHmac, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Mints real JWTs with local keys (node:crypto only), including the malformed and malicious ones the
 * verifiers must refuse.
 */

export type Claims = Record<string, unknown>;
export type Header = Record<string, unknown>;

/** A local signing key pair and its public JWK. */
export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public key as a JWK with `kid`, `alg` and `use`. */
  readonly jwk: { kty: string; kid: string; alg: string; use: 'sig'; [field: string]: string };
}

/** An RSA key like the ones Cognito signs with. */
export function rsaKey(kid: string): TestKey {
  return testKey(kid, 'RS256', generateKeyPairSync('rsa', { modulusLength: 2048 }));
}

/** A P-256 key like the platform's KMS signing key. */
export function ecKey(kid: string): TestKey {
  return testKey(kid, 'ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }));
}

function testKey(kid: string, alg: TestKey['alg'], pair: { privateKey: KeyObject; publicKey: KeyObject }): TestKey {
  const jwk = pair.publicKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kid, alg, ...pair, jwk: { ...jwk, kty: jwk.kty, kid, alg, use: 'sig' } };
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs with the key's algorithm (RS256, or ES256 in JOSE R||S form); `header` adds or overrides fields. */
export function signToken(claims: Claims, key: TestKey, header: Header = {}): string {
  const input = `${encode({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header })}.${encode(claims)}`;
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** HS256 with `secret`, e.g. a public key, the classic algorithm-confusion attack. */
export function hs256Token(claims: Claims, secret: string | Buffer, header: Header = {}): string {
  const input = `${encode({ alg: 'HS256', typ: 'JWT', ...header })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** An unsigned token: `alg: none` and an empty signature. */
export function unsignedToken(claims: Claims, header: Header = {}): string {
  return `${encode({ alg: 'none', typ: 'JWT', ...header })}.${encode(claims)}.`;
}

/** The same token with claims changed but the original header and signature kept. */
export function tamperPayload(token: string, changes: Claims): string {
  const [header, payload, signature] = token.split('.');
  return `${header}.${encode({ ...decodePart(payload), ...changes })}.${signature}`;
}

/** The decoded header and payload of a token. */
export function decodeToken(token: string): { header: Header; payload: Claims } {
  const [header, payload] = token.split('.');
  return { header: decodePart(header), payload: decodePart(payload) };
}

function decodePart(part: string): Claims {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Claims;
}

/** Now, in JWT seconds. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Verifies an ES256 JWS independently of the code under test (node:crypto, R||S signature). */
export function verifyEs256(token: string, publicKey: KeyObject): boolean {
  const [header, payload, signature] = token.split('.');
  return verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
}
