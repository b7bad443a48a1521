import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { bearerTokenOf } from '../shared/bearer';
import { ApiError, errorResponse } from '../shared/errors';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createObservability, outcomeOfStatus } from '../shared/observability';
import type { Embedder } from '../shared/vectors/embedding';
import { errorSummary } from '../shared/vectors/log-safe';
import type { TenantVectorContexts } from '../shared/vectors/tenant-context';
import { documentsErrors } from './errors';
import type { IngestSettings } from './operation';
import { productionDeps } from './production';
import type { IngestQueue } from './queue';
import { callerOf } from './request';
import { routeOf } from './routes';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('documents');

/** What the documents API needs from its environment. */
export interface DocumentsDeps {
  /** The caller's tenant's index and key, acting as the tenant with the caller's own service token. */
  readonly tenantContext: TenantVectorContexts;
  readonly embedder: Embedder;
  readonly queue: IngestQueue;
  readonly settings: IngestSettings;
  /**
   * The clock.
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /**
   * New document ids.
   * @default randomUUID
   */
  readonly newDocumentId?: () => string;
}

const { logger, metrics, startRequest, identifyCaller, endRequest } = createObservability('documents', tracer);

/**
 * The documents API (`/v1/documents…`, `/v1/search`). The tenant and app come only from the authorizer
 * context; the index and key only from the tenant's registry entry; every call to OpenSearch and KMS is
 * signed with the tenant's own credentials.
 */
export function createDocumentsHandler(deps: DocumentsDeps): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const clock = deps.now ?? (() => new Date());
  const newDocumentId = deps.newDocumentId ?? randomUUID;
  return async (event) => {
    startRequest(event.requestContext?.requestId);
    const route = { method: event.httpMethod, resource: event.resource };
    try {
      const caller = callerOf(event);
      identifyCaller({ tenantId: caller.tenantId, appId: caller.appId });
      const { operation, scope } = routeOf(event);
      if (!caller.scopes.has(scope)) throw documentsErrors.missingScope(scope);
      const serviceToken = bearerTokenOf(event);
      const response = await operation({
        event,
        caller,
        serviceToken,
        tenant: () => deps.tenantContext(caller.tenantId, serviceToken),
        embedder: deps.embedder,
        queue: deps.queue,
        settings: deps.settings,
        now: clock(),
        newDocumentId,
      });
      logger.info('Request served', { ...route, status: response.statusCode });
      endRequest('served');
      return response;
    } catch (error) {
      logFailure(error, route);
      const response = errorResponse(error);
      endRequest(outcomeOfStatus(response.statusCode));
      return response;
    }
  };
}

// Codes and messages only: texts, queries, metadata and headers (Authorization carries the token) never reach the logs.
function logFailure(error: unknown, route: Record<string, unknown>): void {
  if (error instanceof ApiError) {
    logger.info('Request refused', { ...route, status: error.status, code: error.code });
  } else {
    logger.error('Request failed', { ...route, error: errorSummary(error) });
  }
}

export const handler = traced(tracer, createDocumentsHandler(productionDeps(process.env, countTokens)));

/** Embedding tokens, published with the request's tenant and app dimensions when the request ends. */
function countTokens(inputTokens: number): void {
  metrics.addMetric('Tokens', MetricUnit.Count, inputTokens);
}
