import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent, Context } from 'aws-lambda';
import { JwtBaseError } from 'aws-jwt-verify/error';
import { appRefusal, loadApp } from '../shared/app-registry';
import { TENANT_ID_PLACEHOLDER } from '../shared/budget-events';
import { createObservability } from '../shared/observability';
import { ThrottleStateReader, type CallerThrottle } from '../shared/throttle-state';
import { config } from './config';
import { denyAllPolicy, routeFor, routePolicy } from './routes';
import { verifyServiceToken, type ServiceClaims } from './service-token';
import { createAuthorizerTracing } from './tracing';

// The Tracer comes from the Powertools layer, not this bundle; a tracing failure is logged and never
// changes a decision (./tracing).
const tracing = createAuthorizerTracing('authorizer', (message, error) => logger.warn(message, error as Error));
const { logger, metrics, startRequest, identifyCaller, endRequest } = createObservability('authorizer', tracing.annotator);
if (tracing.unavailable) logger.warn('Tracer unavailable; answering untraced', tracing.unavailable as Error);
const throttleStates = config.throttling
  ? new ThrottleStateReader({ client: new DynamoDBClient({}), tableName: config.throttling.tableName, cacheSeconds: config.throttling.cacheSeconds })
  : undefined;
/** The scheme is case-insensitive (RFC 9110 §11.1). */
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * REST API TOKEN authorizer. A bad service token throws `Unauthorized` (401); an app that may no longer
 * call, or whose tenant or app a budget has blocked, gets a Deny (403); otherwise the policy allows
 * exactly the routes of the token's scopes, and the app's usage key lets usage plans meter the app (a
 * throttled tenant's apps share the tenant's key on the `throttled` plan instead). 401s and 403s are
 * counted as denials. Each invocation is an X-Ray subsegment annotated with the tenant, app and
 * correlation id, as in every function.
 */
export const handler = tracing.traced(authorizeRequest);

async function authorizeRequest(event: APIGatewayTokenAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> {
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
}

/** The policy for a verified token, and whether it lets the called route through. */
async function authorize(methodArn: string, claims: ServiceClaims): Promise<{ response: APIGatewayAuthorizerResult; granted: boolean }> {
  const app = await loadApp(config.appRegistryPrefix, claims.appId);
  const refusal = appRefusal(app, claims.tenantId, new Date());
  if (!app || refusal) {
    logger.warn('App may not call the API', { refusal });
    return { granted: false, response: { principalId: claims.subject, policyDocument: denyAllPolicy(methodArn) } };
  }
  const throttle = await throttleOf(claims);
  if (throttle.state === 'blocked') {
    logger.warn('Budget blocked: every route denied', { denyReason: 'budget_blocked', subject: throttle.subject });
    return {
      granted: false,
      response: {
        principalId: claims.subject,
        policyDocument: denyAllPolicy(methodArn),
        context: { tenantId: claims.tenantId, appId: claims.appId, denyReason: 'budget_blocked' },
      },
    };
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
        ...(throttle.state === 'throttled' ? { throttled: 'true' } : {}),
      },
      usageIdentifierKey: throttle.state === 'throttled' ? throttledUsageKey(claims.tenantId) : app.usageKey,
    },
  };
}

/**
 * The budget state of the caller's tenant and app. A state-store failure fails open to `normal`: an
 * outage of the table must not lock every tenant out, and a throttle or block is a cost control, not
 * a security boundary (service tokens, scopes and tenant credentials are). Blocked callers then pass
 * until the store answers again; the `ThrottleStateErrors` metric and the error log make that visible.
 */
async function throttleOf(claims: ServiceClaims): Promise<CallerThrottle> {
  if (!throttleStates) return { state: 'normal' };
  try {
    return await throttleStates.callerState(claims.tenantId, claims.appId);
  } catch (error) {
    logger.error('Throttle state unavailable: answering as if normal', error as Error);
    metrics.addMetric('ThrottleStateErrors', MetricUnit.Count, 1);
    return { state: 'normal' };
  }
}

function throttledUsageKey(tenantId: string): string {
  return config.throttling!.throttledKeyTemplate.replace(TENANT_ID_PLACEHOLDER, tenantId);
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
