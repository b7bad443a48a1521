import { KMSClient } from '@aws-sdk/client-kms';
import { JwtVerifier } from 'aws-jwt-verify';
import { FailedAssertionError, JwtParseError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { isAppId, isTenantId } from '../shared/ids';
import { KmsJwksCache } from '../shared/kms-jwks-cache';
import { SERVICE_TOKEN_ALG } from '../shared/signing-key';
import { config } from './config';

/** What a verified service token says about its bearer. */
export interface ServiceClaims {
  readonly subject: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly scopes: readonly string[];
  readonly tokenId: string;
}

/** The claim STS reads session tags from (AssumeRoleWithWebIdentity). */
export const SESSION_TAGS_CLAIM = 'https://aws.amazon.com/tags';
/** A service token lives at most 15 minutes: it cannot be revoked. */
const MAX_LIFETIME_SECONDS = 900;
/** How far ahead of our clock a token's `iat` may be: clocks of Lambda hosts drift by far less. */
export const CLOCK_SKEW_SECONDS = 60;
/** An ES256 signature is R||S, 32 bytes each (RFC 7518 §3.4); anything else makes node:crypto throw. */
const ES256_SIGNATURE_BYTES = 64;

const verifier = JwtVerifier.create(
  {
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: `${config.issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => assertServiceClaims(payload),
  },
  { jwksCache: new KmsJwksCache(new KMSClient({}), config.signingKeyArn) },
);

/**
 * Verifies a service token: shape, signature by the platform key, issuer, audience, lifetime and
 * service claims. Every refusal is a `JwtBaseError`; anything else (KMS unreachable) is an outage.
 */
export async function verifyServiceToken(token: string): Promise<ServiceClaims> {
  assertWellFormed(token);
  const payload = await verifier.verify(token);
  return {
    subject: payload.sub as string,
    tenantId: payload['tenant_id'] as string,
    appId: payload['app_id'] as string,
    scopes: (payload['scope'] as string).split(' ').filter((scope) => scope !== ''),
    tokenId: payload.jti as string,
  };
}

/** Refuses, before any crypto, what the verifier would choke on or silently accept. */
function assertWellFormed(token: string): void {
  const [encodedHeader = '', , signature = ''] = token.split('.');
  const header = parseJsonObject(encodedHeader);
  if (header.alg !== SERVICE_TOKEN_ALG) throw new JwtParseError('JWT header alg is not ES256');
  if (typeof header.kid !== 'string' || header.kid === '') throw new JwtParseError('JWT header has no kid');
  // We understand no extension (RFC 7515 §4.1.11), so a token that requires one is refused.
  if ('crit' in header) throw new JwtParseError('JWT header carries crit');
  if (Buffer.from(signature, 'base64url').length !== ES256_SIGNATURE_BYTES) {
    throw new JwtParseError('JWT signature is not 64 bytes');
  }
}

function parseJsonObject(encoded: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new JwtParseError('JWT header is not base64url JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JwtParseError('JWT header is not an object');
  return value as Record<string, unknown>;
}

function assertServiceClaims(payload: JwtPayload): void {
  const claim = (name: string, ok: boolean, expected?: string): void => {
    if (!ok) throw new FailedAssertionError(`Invalid ${name} claim`, payload[name], expected);
  };
  claim('token_use', payload['token_use'] === 'service', 'service');
  claim('aud', payload.aud === config.audience, config.audience); // one audience: the verifier accepts a list
  claim('app_id', isAppId(payload['app_id']));
  claim('tenant_id', isTenantId(payload['tenant_id']));
  claim(SESSION_TAGS_CLAIM, tagsTenant(payload[SESSION_TAGS_CLAIM]) === payload['tenant_id']);
  claim('sub', typeof payload.sub === 'string' && payload.sub !== '');
  claim('scope', typeof payload['scope'] === 'string');
  claim('jti', typeof payload.jti === 'string' && payload.jti !== '');
  claim('exp', typeof payload.exp === 'number'); // aws-jwt-verify checks exp only when present
  claim('iat', typeof payload.iat === 'number');
  // A lifetime bound is only worth something if iat cannot be post-dated.
  claim('iat', (payload.iat as number) <= Date.now() / 1000 + CLOCK_SKEW_SECONDS, 'not in the future');
  claim('exp', (payload.exp as number) - (payload.iat as number) <= MAX_LIFETIME_SECONDS);
}

/** The one `TenantId` session tag of the tags claim, or `undefined` when it is absent or not one value. */
function tagsTenant(tags: unknown): string | undefined {
  const tenant = (tags as { principal_tags?: { TenantId?: unknown } } | undefined)?.principal_tags?.TenantId;
  return Array.isArray(tenant) && tenant.length === 1 && typeof tenant[0] === 'string' ? tenant[0] : undefined;
}
