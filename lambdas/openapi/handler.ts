import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../shared/http';
import document from './openapi.json';

// Serialized once per container: the document is bundled with the function and never changes in it.
const response = jsonResponse(200, document, { 'Cache-Control': 'public, max-age=300' });

/** `GET /v1/openapi.json`: the OpenAPI 3.1 document of the public API. Public: it holds no data. */
export const handler = async (): Promise<APIGatewayProxyResult> => ({ ...response, headers: { ...response.headers } });
