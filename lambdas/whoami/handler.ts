import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, unauthorized } from '../shared/errors';
import { jsonResponse } from '../shared/http';
import { createObservability } from '../shared/observability';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('whoami');

const { logger, startRequest, identifyCaller, endRequest } = createObservability('whoami', tracer);

/** What the authorizer put into the request context. */
interface Caller {
  readonly tenantId: string;
  readonly appId: string;
  readonly scopes: string;
  readonly subject: string;
}

/** `GET /v1/whoami`: the tenant, app, scopes and subject the authorizer established for this call. */
export const handler = traced(tracer, async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  startRequest(event.requestContext?.requestId);
  const caller = callerOf(event);
  if (!caller) {
    // Only reachable if the route is deployed without the authorizer: fail closed.
    logger.warn('Request refused: no authorizer context');
    endRequest('denied');
    return errorResponse(unauthorized());
  }
  identifyCaller({ tenantId: caller.tenantId, appId: caller.appId });
  logger.info('Request served', { status: 200 });
  endRequest('served');
  return jsonResponse(200, {
    tenantId: caller.tenantId,
    appId: caller.appId,
    scopes: caller.scopes.split(' ').filter((scope) => scope !== ''),
    subject: caller.subject,
  });
});

function callerOf(event: APIGatewayProxyEvent): Caller | undefined {
  const { tenantId, appId, scopes, subject } = event.requestContext?.authorizer ?? {};
  const values = [tenantId, appId, scopes, subject];
  return values.every((value) => typeof value === 'string') ? { tenantId, appId, scopes, subject } : undefined;
}
