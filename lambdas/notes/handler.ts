import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { bearerTokenOf } from '../shared/bearer';
import type { SqlClient } from '../shared/db/sql-client';
import { ApiError, errorResponse } from '../shared/errors';
import { createObservability, outcomeOfStatus } from '../shared/observability';
import { productionDeps } from './production';
import { callerOf } from './request';
import { routeOf } from './routes';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('notes');

/** What the notes API needs from its environment. */
export interface NotesDeps {
  /**
   * A client of the tenant's database, acting as the tenant's own database role, with AWS credentials
   * obtained from the caller's own service token (so STS, not this code, proves the tenant).
   */
  databaseFor(tenantId: string, serviceToken: string): Promise<SqlClient>;
  /**
   * The clock, for note timestamps.
   * @default () => new Date()
   */
  now?: () => Date;
}

const { logger, startRequest, identifyCaller, endRequest } = createObservability('notes', tracer);

/**
 * The notes API (`/v1/notes…`), the CRUD template micro apps start from. The tenant and app come only
 * from the authorizer context; every statement runs in the tenant's database as the tenant's role and
 * is filtered by the app.
 */
export function createNotesHandler(deps: NotesDeps): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  const clock = deps.now ?? (() => new Date());
  return async (event) => {
    startRequest(event.requestContext?.requestId);
    const route = { method: event.httpMethod, resource: event.resource };
    try {
      const caller = callerOf(event);
      identifyCaller({ tenantId: caller.tenantId, appId: caller.appId });
      const { operation } = routeOf(event);
      const db = await deps.databaseFor(caller.tenantId, bearerTokenOf(event));
      const response = await operation({ event, caller, db, now: clock() });
      logger.info('Request served', { ...route, status: response.statusCode });
      endRequest('served');
      return response;
    } catch (error) {
      logFailure(error, route);
      const response = failureResponse(error);
      endRequest(outcomeOfStatus(response.statusCode));
      return response;
    }
  };
}

function failureResponse(error: unknown): APIGatewayProxyResult {
  return errorResponse(apiErrorIn(error) ?? error);
}

/** The ApiError thrown, even if a database adapter wrapped it on its way out of a transaction. */
function apiErrorIn(error: unknown): ApiError | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (current instanceof ApiError) return current;
  }
  return undefined;
}

// Messages and codes only: bodies, queries, titles and headers (Authorization carries the token) never reach the logs.
function logFailure(error: unknown, route: Record<string, unknown>): void {
  const apiError = apiErrorIn(error);
  if (apiError) {
    logger.info('Request refused', { ...route, status: apiError.status, code: apiError.code });
  } else {
    logger.error('Request failed', { ...route, error: error as Error });
  }
}

export const handler = traced(tracer, createNotesHandler(productionDeps()));
