import { KMSClient } from '@aws-sdk/client-kms';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { requireEnv } from '../shared/env';
import { errorResponse } from '../shared/errors';
import { jsonResponse } from '../shared/http';
import { KmsJwksCache } from '../shared/kms-jwks-cache';

const logger = new Logger({ serviceName: 'jwks' });
/** Read from KMS on the first request, then served from memory for the life of the container. */
const jwksCache = new KmsJwksCache(new KMSClient({}), requireEnv('SIGNING_KEY_ARN'));

/** `GET /.well-known/jwks.json`: the public key that verifies service tokens. */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  logger.setCorrelationId(event.requestContext?.requestId);
  try {
    const jwks = await jwksCache.getJwks();
    return jsonResponse(200, jwks, { 'Cache-Control': 'public, max-age=300' });
  } catch (error) {
    logger.error('Could not read the signing key', error as Error);
    return errorResponse(error);
  } finally {
    logger.resetKeys();
  }
};
