import { KMSClient } from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { ApiError, errorResponse } from '../shared/errors';
import { jsonResponse } from '../shared/http';
import { KmsJwksCache } from '../shared/kms-jwks-cache';
import { createObservability } from '../shared/observability';
import { SERVICE_TOKEN_ALG } from '../shared/signing-key';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('jwks');

const { logger, startRequest, endRequest } = createObservability('jwks', tracer);
const issuer = requireEnv('SERVICE_TOKEN_ISSUER');
/** Read from KMS on the first request, then served from memory for the life of the container. */
const jwksCache = new KmsJwksCache(new KMSClient({}), requireEnv('SIGNING_KEY_ARN'));
const PUBLIC_CACHE = { 'Cache-Control': 'public, max-age=300' };

export const JWKS_PATH = '/.well-known/jwks.json';
export const DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * OIDC discovery (OpenID Connect Discovery 1.0 §3), the document STS and other relying parties read
 * to find the key set of service tokens. Only what service tokens actually are is advertised.
 */
export const openIdConfiguration = {
  issuer,
  jwks_uri: `${issuer}${JWKS_PATH}`,
  response_types_supported: ['id_token'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: [SERVICE_TOKEN_ALG],
  claims_supported: [
    'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti',
    'tenant_id', 'app_id', 'scope', 'client_id', 'token_use', 'https://aws.amazon.com/tags',
  ],
} as const;

/** `GET /.well-known/jwks.json` (the public key that verifies service tokens) and `GET /.well-known/openid-configuration`. */
export const handler = traced(tracer, async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  startRequest(event.requestContext?.requestId);
  try {
    const response = await route(event.resource ?? event.path);
    endRequest('served');
    return response;
  } catch (error) {
    logger.error('Could not serve the key set', error as Error);
    endRequest('error');
    return errorResponse(error);
  }
});

async function route(path: string): Promise<APIGatewayProxyResult> {
  if (path === DISCOVERY_PATH) return jsonResponse(200, openIdConfiguration, PUBLIC_CACHE);
  if (path === JWKS_PATH) return jsonResponse(200, await jwksCache.getJwks(), PUBLIC_CACHE);
  return errorResponse(new ApiError(404, 'route_not_found', 'There is no such resource.')); // only if wired to another route
}
