import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ApiError } from '../shared/errors';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { createObservability } from '../shared/observability';
import type { ChunkingOptions } from '../shared/vectors/chunking';
import type { Embedder } from '../shared/vectors/embedding';
import { parseIngestMessage, type IngestMessage } from '../shared/vectors/ingest-message';
import { errorSummary } from '../shared/vectors/log-safe';
import type { TenantVectorContext, TenantVectorContexts } from '../shared/vectors/tenant-context';
import { markFailed, runJob } from './job';
import { productionDeps } from './production';
import { createTracer, traced } from '../shared/tracing';

const tracer = createTracer('documents-worker');

/** What the ingest worker needs from its environment. */
export interface WorkerDeps {
  /** The job's tenant's index and key, acting as the tenant with the job's service token. */
  readonly tenantContext: TenantVectorContexts;
  readonly embedder: Embedder;
  readonly chunking: ChunkingOptions;
  /**
   * The clock.
   * @default () => new Date()
   */
  readonly now?: () => Date;
}

/**
 * Receives after which the queue moves a message to its dead-letter queue (`maxReceiveCount` of the
 * queue's redrive policy). On that receive a failing job records `failed` before it goes.
 */
export const DEAD_LETTER_AFTER_RECEIVES = 3;

const { logger, metrics, startRequest, identifyCaller, endRequest } = createObservability('documents-worker', tracer);

/**
 * The ingest worker: indexes documents the API queued, acting as their tenant with the caller's own
 * service token carried in the job. Failed records are reported one by one (partial batch response),
 * so SQS retries only them. A job whose token has expired (tokens live at most 15 minutes) cannot act
 * as the tenant any more, so it cannot write `failed` either: it goes to the dead-letter queue after
 * its receives, and the API reports the document `failed` once the queue's retention has passed.
 */
export function createWorkerHandler(deps: WorkerDeps): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const clock = deps.now ?? (() => new Date());
  return async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      startRequest(record.messageId);
      const succeeded = await processRecord(record, deps, clock());
      endRequest(succeeded ? 'served' : 'error');
      if (!succeeded) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  };
}

async function processRecord(record: SQSRecord, deps: WorkerDeps, now: Date): Promise<boolean> {
  let message: IngestMessage;
  try {
    message = parseIngestMessage(record.body);
  } catch {
    logger.error('Job refused: not an ingest job of this version');
    return false;
  }
  identifyCaller({ tenantId: message.tenantId, appId: message.appId });
  const documentId = message.documentId;
  let tenant: TenantVectorContext;
  try {
    tenant = await deps.tenantContext(message.tenantId, message.serviceToken);
  } catch (error) {
    if (error instanceof ApiError) logger.warn('Job cannot act as its tenant: the service token was refused (expired?)', { documentId });
    else logger.error('Job failed: no tenant context', { documentId, error: errorSummary(error) });
    return false;
  }
  try {
    const outcome = await runJob(message, tenant, { embedder: deps.embedder, chunking: deps.chunking, now });
    logger.info('Job done', { documentId, outcome });
    return true;
  } catch (error) {
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
    logger.error('Job failed', { documentId, receives, error: errorSummary(error) });
    if (receives >= DEAD_LETTER_AFTER_RECEIVES) await markFailedQuietly(message, tenant, now);
    return false;
  }
}

async function markFailedQuietly(message: IngestMessage, tenant: TenantVectorContext, now: Date): Promise<void> {
  try {
    await markFailed(message, tenant, now);
  } catch (error) {
    logger.error('Could not record the failure', { documentId: message.documentId, error: errorSummary(error) });
  }
}

export const handler = traced(tracer, createWorkerHandler(productionDeps(process.env, countTokens)));

/** Embedding tokens, published with the request's tenant and app dimensions when the request ends. */
function countTokens(inputTokens: number): void {
  metrics.addMetric('Tokens', MetricUnit.Count, inputTokens);
}
