import { SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv } from '../shared/env';
import { SQS_DEFAULT_MAX_MESSAGE_BYTES, SQS_LARGEST_MAX_MESSAGE_BYTES } from '../shared/vectors/ingest-message';
import { pipelineClients } from '../shared/vectors/pipeline';
import { optionalPositiveInt, pipelineSettings, positiveInt } from '../shared/vectors/settings';
import type { DocumentsDeps } from './handler';
import { SqsIngestQueue } from './queue';

/** Days a document lives when the caller gives no `ttlDays`, unless `DOCUMENT_DEFAULT_TTL_DAYS` says. */
export const DEFAULT_TTL_DAYS = 90;
/** The most days a caller may ask for, unless `DOCUMENT_MAX_TTL_DAYS` says. */
export const MAX_TTL_DAYS = 365;

/**
 * The production dependencies, from the function's environment (see `pipelineSettings` for the shared
 * variables, plus `INGEST_QUEUE_URL`, `SYNC_INGEST_MAX_BYTES` and the optional `DOCUMENT_DEFAULT_TTL_DAYS`,
 * `DOCUMENT_MAX_TTL_DAYS` and `INGEST_QUEUE_MAX_MESSAGE_BYTES` (the queue's `MaximumMessageSize`, 256 KiB
 * unless set); a missing or malformed variable fails the cold start.
 * Bedrock and SQS are called with the function's own role; OpenSearch and KMS with the tenant's.
 */
export function productionDeps(env: NodeJS.ProcessEnv = process.env, countTokens?: (inputTokens: number) => void): DocumentsDeps {
  const pipeline = pipelineSettings(env);
  const maxTtlDays = optionalPositiveInt('DOCUMENT_MAX_TTL_DAYS', env, MAX_TTL_DAYS);
  const defaultTtlDays = optionalPositiveInt('DOCUMENT_DEFAULT_TTL_DAYS', env, DEFAULT_TTL_DAYS);
  if (defaultTtlDays > maxTtlDays) throw new Error('DOCUMENT_DEFAULT_TTL_DAYS must not exceed DOCUMENT_MAX_TTL_DAYS');
  const maxMessageBytes = optionalPositiveInt('INGEST_QUEUE_MAX_MESSAGE_BYTES', env, SQS_DEFAULT_MAX_MESSAGE_BYTES);
  if (maxMessageBytes > SQS_LARGEST_MAX_MESSAGE_BYTES) throw new Error('INGEST_QUEUE_MAX_MESSAGE_BYTES must be at most 1048576');
  return {
    ...pipelineClients(pipeline, countTokens),
    queue: new SqsIngestQueue(new SQSClient({ region: pipeline.region }), requireEnv('INGEST_QUEUE_URL', env)),
    settings: {
      syncIngestMaxBytes: positiveInt('SYNC_INGEST_MAX_BYTES', env),
      maxMessageBytes,
      chunking: pipeline.chunking,
      defaultTtlDays,
      maxTtlDays,
    },
  };
}
