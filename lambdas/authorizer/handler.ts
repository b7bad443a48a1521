import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { JwtBaseError } from 'aws-jwt-verify/error';
import { appRefusal, loadApp } from '../shared/app-registry';
import { config } from './config';
import { denyAllPolicy, routePolicy } from './routes';
import { verifyServiceToken, type ServiceClaims } from './service-token';

const logger = new Logger({ serviceName: 'authorizer' });
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * REST API TOKEN authorizer. A bad service token throws `Unauthorized` (401); an app that may no longer
 * call gets a Deny (403); otherwise the policy allows exactly the routes of the token's scopes, and the
 * app's usage key lets usage plans meter the app.
 */
export const handler = async (event: APIGatewayTokenAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> => {
  logger.setCorrelationId(context?.awsRequestId);
  try {
    const claims = await authenticate(event.authorizationToken);
    logger.appendKeys({ tenantId: claims.tenantId, appId: claims.appId });
    const app = await loadApp(config.appRegistryPrefix, claims.appId);
    const refusal = appRefusal(app, claims.tenantId, new Date());
    if (!app || refusal) {
      logger.warn('App may not call the API', { refusal });
      return { principalId: claims.subject, policyDocument: denyAllPolicy(event.methodArn) };
    }
    // Scopes the app lost since the token was issued are not honoured.
    const scopes = claims.scopes.filter((scope) => app.scopes.includes(scope));
    return {
      principalId: claims.subject,
      policyDocument: routePolicy(event.methodArn, config.routes, scopes),
      context: {
        tenantId: claims.tenantId,
        appId: claims.appId,
        scopes: scopes.join(' '),
        subject: claims.subject,
        tokenId: claims.tokenId,
      },
      usageIdentifierKey: app.usageKey,
    };
  } catch (error) {
    if (!isUnauthorized(error)) logger.error('Authorization failed', error as Error);
    throw error;
  } finally {
    logger.resetKeys();
  }
};

/** The verified claims; any verification failure becomes the `Unauthorized` API Gateway expects. */
async function authenticate(authorization: string | undefined): Promise<ServiceClaims> {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) throw unauthorized('No bearer token');
  try {
    return await verifyServiceToken(token);
  } catch (error) {
    if (!(error instanceof JwtBaseError)) throw error; // KMS unreachable: let API Gateway answer 500
    throw unauthorized(error.message);
  }
}

const isUnauthorized = (error: unknown): boolean => error instanceof Error && error.message === 'Unauthorized';

function unauthorized(reason: string): Error {
  logger.warn('Service token refused', { reason });
  return new Error('Unauthorized');
}
