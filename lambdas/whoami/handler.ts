import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { errorResponse, unauthorized } from '../shared/errors';
import { jsonResponse } from '../shared/http';

/** `GET /v1/whoami`: the tenant, app, scopes and subject the authorizer established for this call. */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const { tenantId, appId, scopes, subject } = event.requestContext?.authorizer ?? {};
  if (![tenantId, appId, scopes, subject].every((value) => typeof value === 'string')) {
    // Only reachable if the route is deployed without the authorizer: fail closed.
    return errorResponse(unauthorized());
  }
  return jsonResponse(200, {
    tenantId,
    appId,
    scopes: (scopes as string).split(' ').filter((scope) => scope !== ''),
    subject,
  });
};
