import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { JwtBaseError } from 'aws-jwt-verify/error';
import { appRefusal, loadApp } from '../shared/app-registry';
import { createObservability } from '../shared/observability';
import { config } from './config';
import { denyAllPolicy, routeFor, routePolicy } from './routes';
import { verifyServiceToken, type ServiceClaims } from './service-token';

const { logger, startRequest, identifyCaller, endRequest } = createObservability('authorizer');
/** The scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * REST API TOKEN authorizer. A bad service token throws `Unauthorized` (401); an app that may no longer
 * call gets a Deny (403); otherwise the policy allows exactly the routes of the token's scopes, and the
 * app's usage key lets usage plans meter the app. 401s and 403s are counted as denials.
 */
export const handler = async (event: APIGatewayTokenAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> => {
  startRequest(context?.awsRequestId);
  try {
    const claims = await authenticate(event.authorizationToken);
    identifyCaller({ tenantId: claims.tenantId, appId: claims.appId });
    const result = await authorize(event.methodArn, claims);
    endRequest(result.granted ? 'served' : 'denied');
    return result.response;
  } catch (error) {
    if (isUnauthorized(error)) {
      endRequest('denied');
    } else {
      logger.error('Authorization failed', error as Error);
      endRequest('error');
    }
    throw error;
  }
};

/** The policy for a verified token, and whether it lets the called route through. */
async function authorize(methodArn: string, claims: ServiceClaims): Promise<{ response: APIGatewayAuthorizerResult; granted: boolean }> {
  const app = await loadApp(config.appRegistryPrefix, claims.appId);
  const refusal = appRefusal(app, claims.tenantId, new Date());
  if (!app || refusal) {
    logger.warn('App may not call the API', { refusal });
    return { granted: false, response: { principalId: claims.subject, policyDocument: denyAllPolicy(methodArn) } };
  }
  // Scopes the app lost since the token was issued are not honoured.
  const scopes = claims.scopes.filter((scope) => app.scopes.includes(scope));
  const called = routeFor(methodArn, config.routes);
  const granted = called !== undefined && scopes.includes(called.scope);
  if (!granted) logger.warn('Route not granted', { route: called ? `${called.method} ${called.path}` : 'unknown' });
  return {
    granted,
    response: {
      principalId: claims.subject,
      policyDocument: routePolicy(methodArn, config.routes, scopes),
      context: {
        tenantId: claims.tenantId,
        appId: claims.appId,
        scopes: scopes.join(' '),
        subject: claims.subject,
        tokenId: claims.tokenId,
      },
      usageIdentifierKey: app.usageKey,
    },
  };
}

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

// The reason only: aws-jwt-verify's messages name claims and values, never the token itself.
function unauthorized(reason: string): Error {
  logger.warn('Service token refused', { reason });
  return new Error('Unauthorized');
}
