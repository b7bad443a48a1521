import type { ChunkingOptions } from '../shared/vectors/chunking';
import { term } from '../shared/vectors/document-store';
import type { Embedder } from '../shared/vectors/embedding';
import { indexDocument, statusDocument } from '../shared/vectors/ingest';
import { describedDocument, openIngestBody, type IngestMessage } from '../shared/vectors/ingest-message';
import type { TenantVectorContext } from '../shared/vectors/tenant-context';

/** What running a job did. */
export type JobOutcome = 'indexed' | 'already-done';

/** What a job works with besides its tenant context. */
export interface JobServices {
  readonly embedder: Embedder;
  readonly chunking: ChunkingOptions;
  readonly now: Date;
}

/** More chunks than one document can have under the API's text limit: a bound, not a quota. */
const MAX_LEFTOVER_CHUNKS = 5_000;

/**
 * Indexes a queued document. Idempotent: a document already `indexed` (or `failed`) is left alone, so
 * a redelivered message does nothing; chunks a failed earlier attempt left behind are deleted before
 * the chunks are written again. The new `indexed` status replaces the `queued` one.
 */
export async function runJob(message: IngestMessage, tenant: TenantVectorContext, services: JobServices): Promise<JobOutcome> {
  const { store, keyring } = tenant;
  const current = await store.status(message.documentId, message.appId, services.now);
  if (current && current.fields.status !== 'queued') return 'already-done';
  const text = await openIngestBody(message, keyring);
  await store.deleteMatching(
    [term('kind', 'chunk'), term('document_id', message.documentId), term('app', message.appId)],
    MAX_LEFTOVER_CHUNKS,
  );
  await indexDocument({ store, keyring, embedder: services.embedder, chunking: services.chunking }, describedDocument(message), text, current ? [current.id] : []);
  return 'indexed';
}

/** Records that the job gave up: the `failed` status replaces the `queued` one. */
export async function markFailed(message: IngestMessage, tenant: TenantVectorContext, now: Date): Promise<void> {
  const current = await tenant.store.status(message.documentId, message.appId, now);
  if (current && current.fields.status !== 'queued') return;
  await tenant.store.write([statusDocument(describedDocument(message), 'failed')], current ? [current.id] : []);
}
