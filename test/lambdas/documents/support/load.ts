import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DocumentsClient, TestClock } from './documents-api';

type DocumentsModule = typeof import('../../../../lambdas/documents/handler');
type ProductionModule = typeof import('../../../../lambdas/documents/production');

/**
 * The documents handler with its production dependencies (SSM, STS, KMS, Bedrock, SQS clients; the
 * OpenSearch client), loaded after the environment is set as Lambda loads it, on `clock`.
 */
export function documentsApi(clock: TestClock, newDocumentId?: () => string): DocumentsClient {
  const { createDocumentsHandler } = require('../../../../lambdas/documents/handler') as DocumentsModule;
  const { productionDeps } = require('../../../../lambdas/documents/production') as ProductionModule;
  const handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> = createDocumentsHandler({
    ...productionDeps(),
    now: clock.now,
    ...(newDocumentId ? { newDocumentId } : {}),
  });
  return new DocumentsClient(handler);
}
