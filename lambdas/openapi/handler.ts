import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../shared/http';
import { createObservability } from '../shared/observability';
import document from './openapi.json';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('openapi');

const { logger, startRequest, endRequest } = createObservability('openapi', tracer);
// Serialized once per container: the document is bundled with the function and never changes in it.
const response = jsonResponse(200, document, { 'Cache-Control': 'public, max-age=300' });

/**
 * `GET /v1/openapi.json`: the OpenAPI 3.1 document of the public API. Public: it holds no data, and
 * callers are anonymous, so requests are counted under tenant and app `unknown`.
 */
export const handler = traced(tracer, async (event?: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  startRequest(event?.requestContext?.requestId);
  logger.info('Request served', { status: response.statusCode });
  endRequest('served');
  return { ...response, headers: { ...response.headers } };
});
