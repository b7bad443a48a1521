import { jsonResponse } from '../shared/http';
import { effectiveStatus } from '../shared/vectors/document';
import { term } from '../shared/vectors/document-store';
import { documentsErrors } from './errors';
import type { Operation } from './operation';
import { documentIdOf } from './request';

/**
 * Documents one request deletes at most. A purge that reaches it answers `complete: false`, and the
 * caller repeats it; a single document never has that many chunks under the text limit.
 */
export const MAX_DELETES_PER_REQUEST = 5_000;

/** `GET /v1/documents/{id}`: the status of a document of the caller's tenant and app; 404 otherwise. */
export const documentStatus: Operation = async ({ event, caller, tenant, now }) => {
  const id = documentIdOf(event);
  const found = await (await tenant()).store.status(id, caller.appId, now);
  if (!found) throw documentsErrors.notFound();
  const { status, chunk, created, expires, origin, author, classification, pii } = found.fields;
  return jsonResponse(200, {
    id,
    status: effectiveStatus(status, created, now),
    chunks: chunk,
    created,
    expires,
    origin: origin ?? null,
    author: author ?? null,
    classification,
    pii,
  });
};

/** `DELETE /v1/documents/{id}`: deletes the document's status and chunks, 204; 404 when the app has none. */
export const deleteDocument: Operation = async ({ event, caller, tenant }) => {
  const id = documentIdOf(event);
  const { deleted } = await (await tenant()).store.deleteMatching([term('document_id', id), term('app', caller.appId)], MAX_DELETES_PER_REQUEST);
  if (deleted === 0) throw documentsErrors.notFound();
  return { ...jsonResponse(204, null), body: '' };
};

/** `POST /v1/documents/purge`: deletes every document of the calling app; `complete: false` means call again. */
export const purgeDocuments: Operation = async ({ caller, tenant }) => {
  const result = await (await tenant()).store.deleteMatching([term('app', caller.appId)], MAX_DELETES_PER_REQUEST);
  return jsonResponse(200, { deleted: result.deleted, complete: result.complete });
};
