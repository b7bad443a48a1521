import { KMSClient } from '@aws-sdk/client-kms';
import { JwtVerifier } from 'aws-jwt-verify';
import { FailedAssertionError } from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { isAppId, isTenantId } from '../shared/ids';
import { KmsJwksCache } from '../shared/kms-jwks-cache';
import { config } from './config';

/** What a verified service token says about its bearer. */
export interface ServiceClaims {
  readonly subject: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly scopes: readonly string[];
  readonly tokenId: string;
}

const verifier = JwtVerifier.create(
  {
    issuer: config.issuer,
    audience: null, // each token's audience is its own app: checked against app_id below
    jwksUri: `${config.issuer}/.well-known/jwks.json`,
    customJwtCheck: ({ payload }) => assertServiceClaims(payload),
  },
  { jwksCache: new KmsJwksCache(new KMSClient({}), config.signingKeyArn) },
);

/** Verifies a service token: signature by the platform key, issuer, lifetime and service claims. */
export async function verifyServiceToken(token: string): Promise<ServiceClaims> {
  const payload = await verifier.verify(token);
  return {
    subject: payload.sub as string,
    tenantId: payload['tenant_id'] as string,
    appId: payload['app_id'] as string,
    scopes: (payload['scope'] as string).split(' ').filter((scope) => scope !== ''),
    tokenId: payload.jti as string,
  };
}

function assertServiceClaims(payload: JwtPayload): void {
  const claim = (name: string, ok: boolean, expected?: string): void => {
    if (!ok) throw new FailedAssertionError(`Invalid ${name} claim`, payload[name], expected);
  };
  claim('token_use', payload['token_use'] === 'service', 'service');
  claim('app_id', isAppId(payload['app_id']));
  claim('aud', payload.aud === payload['app_id']);
  claim('tenant_id', isTenantId(payload['tenant_id']));
  claim('sub', typeof payload.sub === 'string' && payload.sub !== '');
  claim('scope', typeof payload['scope'] === 'string');
  claim('jti', typeof payload.jti === 'string' && payload.jti !== '');
  claim('exp', typeof payload.exp === 'number'); // aws-jwt-verify checks exp only when present
}
