import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ChunkingOptions } from '../shared/vectors/chunking';
import type { Embedder } from '../shared/vectors/embedding';
import type { TenantVectorContext } from '../shared/vectors/tenant-context';
import type { TtlLimits } from './input';
import type { IngestQueue } from './queue';
import type { Caller } from './request';

/** Limits of ingestion that come from the environment. */
export interface IngestSettings extends TtlLimits {
  /** Documents whose text is larger (UTF-8 bytes) go through the queue. */
  readonly syncIngestMaxBytes: number;
  /** The ingest queue's `MaximumMessageSize`: a queued document's job must fit one message. */
  readonly maxMessageBytes: number;
  readonly chunking: ChunkingOptions;
}

/** What an operation works with: the request, the verified caller, the services and the time. */
export interface OperationContext {
  readonly event: APIGatewayProxyEvent;
  readonly caller: Caller;
  /** The caller's service token, for the queue: the worker acts as the tenant with it. */
  readonly serviceToken: string;
  /** The tenant's index and key, acting as the tenant; resolved after the request is validated. */
  readonly tenant: () => Promise<TenantVectorContext>;
  readonly embedder: Embedder;
  readonly queue: IngestQueue;
  readonly settings: IngestSettings;
  readonly now: Date;
  readonly newDocumentId: () => string;
}

/** One route's work. */
export type Operation = (context: OperationContext) => Promise<APIGatewayProxyResult>;
