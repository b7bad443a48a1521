import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { FetchError, JwtBaseError, JwtExpiredError } from 'aws-jwt-verify/error';
import { OAuthError } from '../shared/errors';
import { isTenantId } from '../shared/ids';
import { config } from './config';

/**
 * Verifies Cognito access tokens of the platform's user pool (ID tokens are refused). Built once per
 * container; exported so tests can load a JWKS into it with `cacheJwks` instead of reaching Cognito.
 */
export const subjectTokenVerifier = CognitoJwtVerifier.create({
  userPoolId: config.userPoolId,
  tokenUse: 'access',
  clientId: null, // any app client of the pool; the handler binds the client to the audience app
});

/** The user behind a verified subject token. */
export interface Subject {
  readonly sub: string;
  readonly tenantId: string;
  readonly clientId: string;
}

/** Verifies the subject token; any verification failure is `invalid_grant`. */
export async function verifySubjectToken(token: string): Promise<Subject> {
  const payload = await subjectTokenVerifier.verify(token).catch(toInvalidGrant);
  const tenantId = payload['tenant_id'];
  if (!isTenantId(tenantId)) {
    throw new OAuthError('invalid_grant', 'The subject token carries no tenant.', { parameter: 'subject_token' });
  }
  return { sub: payload.sub, tenantId, clientId: payload.client_id };
}

function toInvalidGrant(error: unknown): never {
  // Not reaching Cognito's JWKS is our outage, not a bad token: let it become a server error.
  if (error instanceof FetchError || !(error instanceof JwtBaseError)) throw error;
  const description = error instanceof JwtExpiredError ? 'The subject token has expired.' : 'The subject token is not valid.';
  throw new OAuthError('invalid_grant', description, { parameter: 'subject_token' }, error);
}
