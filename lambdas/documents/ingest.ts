import type { APIGatewayProxyResult } from 'aws-lambda';
import { jsonResponse } from '../shared/http';
import { effectiveStatus, type DocumentDescription } from '../shared/vectors/document';
import { buildIngestMessage, messageBytes } from '../shared/vectors/ingest-message';
import { indexDocument, prepareText, statusDocument } from '../shared/vectors/ingest';
import { documentsErrors, ValidationError } from './errors';
import { parseIngest } from './input';
import type { Operation } from './operation';
import { jsonBody } from './request';

const DAY_MS = 86_400_000;

/**
 * `POST /v1/documents`: normalise, redact, fingerprint; a live document of the tenant with the same
 * fingerprint answers 200 `duplicate: true` and nothing is written. Text up to `SYNC_INGEST_MAX_BYTES`
 * is chunked, embedded, encrypted and stored now (201); larger text is queued (202) for the worker.
 */
export const ingestDocument: Operation = async (context) => {
  const { event, caller, settings, now } = context;
  const input = parseIngest(jsonBody(event), settings);
  const prepared = prepareText(input.text);
  if (prepared.text === '') throw new ValidationError([{ field: 'text', message: 'must not be blank' }]);
  const tenant = await context.tenant();
  const duplicate = await tenant.store.findDuplicate(prepared.fingerprint, now);
  if (duplicate) {
    const { document_id: id, status, created } = duplicate.fields;
    return jsonResponse(200, { id, duplicate: true, status: effectiveStatus(status, created, now) }, { Location: statusPath(id) });
  }
  const description: DocumentDescription = {
    tenantId: caller.tenantId,
    appId: caller.appId,
    documentId: context.newDocumentId(),
    ...(input.origin === undefined ? {} : { origin: input.origin }),
    ...(input.author === undefined ? {} : { author: input.author }),
    classification: input.classification,
    created: now,
    expires: new Date(now.getTime() + input.ttlDays * DAY_MS),
    pii: prepared.pii,
    fingerprint: prepared.fingerprint,
  };
  if (Buffer.byteLength(input.text, 'utf8') > settings.syncIngestMaxBytes) {
    const message = await buildIngestMessage(description, prepared.text, context.serviceToken, tenant.keyring);
    if (messageBytes(message) > settings.maxMessageBytes) throw documentsErrors.documentTooLarge(settings.maxMessageBytes);
    // The status first, so the worker always finds it; if the job cannot be sent, the status goes again
    // (else it would count as a duplicate of a job that never runs until the queue's retention passed).
    const statusIds = await tenant.store.write([statusDocument(description, 'queued')]);
    try {
      await context.queue.send(message);
    } catch (error) {
      await tenant.store.deleteIds(statusIds).catch(() => undefined);
      throw error;
    }
    return accepted(description);
  }
  const chunks = await indexDocument({ ...tenant, embedder: context.embedder, chunking: settings.chunking }, description, prepared.text);
  return jsonResponse(
    201,
    { id: description.documentId, duplicate: false, status: 'indexed', chunks, ...provenance(description) },
    { Location: statusPath(description.documentId) },
  );
};

function accepted(description: DocumentDescription): APIGatewayProxyResult {
  const path = statusPath(description.documentId);
  return jsonResponse(
    202,
    { id: description.documentId, duplicate: false, status: 'queued', statusUrl: path, ...provenance(description) },
    { Location: path },
  );
}

function provenance(description: DocumentDescription): Record<string, unknown> {
  return {
    created: description.created.toISOString(),
    expires: description.expires.toISOString(),
    classification: description.classification,
    pii: description.pii,
  };
}

/** Where the status of a document is read. */
export function statusPath(documentId: string): string {
  return `/v1/documents/${documentId}`;
}
