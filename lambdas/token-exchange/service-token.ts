import { randomUUID } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { signJwtWithKms } from '../shared/es256';

/** What a service token says about its bearer. */
export interface ServiceTokenGrant {
  readonly subject: string;
  readonly tenantId: string;
  readonly appId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
}

/** Settings of the service token issuer. */
export interface IssuerSettings {
  readonly kms: KMSClient;
  readonly signingKeyArn: string;
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** An issued service token. */
export interface IssuedToken {
  readonly token: string;
  readonly tokenId: string;
  readonly expiresIn: number;
}

/** The claim STS reads session tags from when a service token is used with AssumeRoleWithWebIdentity. */
export const SESSION_TAGS_CLAIM = 'https://aws.amazon.com/tags';

/**
 * Signs a service token for `grant` with the platform KMS key. `aud` is the platform API and `app_id`
 * the app; the session-tags claim makes STS tag a web-identity session with the token's tenant.
 */
export async function issueServiceToken(
  settings: IssuerSettings,
  grant: ServiceTokenGrant,
  now: Date = new Date(),
): Promise<IssuedToken> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const tokenId = randomUUID();
  const claims = {
    iss: settings.issuer,
    sub: grant.subject,
    aud: settings.audience,
    tenant_id: grant.tenantId,
    [SESSION_TAGS_CLAIM]: { principal_tags: { TenantId: [grant.tenantId] }, transitive_tag_keys: ['TenantId'] },
    app_id: grant.appId,
    scope: grant.scopes.join(' '),
    client_id: grant.clientId,
    token_use: 'service',
    jti: tokenId,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + settings.ttlSeconds,
  };
  const token = await signJwtWithKms(settings.kms, settings.signingKeyArn, claims);
  return { token, tokenId, expiresIn: settings.ttlSeconds };
}
