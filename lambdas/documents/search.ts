import { jsonResponse } from '../shared/http';
import { normalizeText, redact } from '../shared/pii';
import type { ChunkHit, Found } from '../shared/vectors/document-store';
import { chunkAad, open } from '../shared/vectors/envelope';
import type { TenantKeyring } from '../shared/vectors/tenant-keyring';
import { parseSearch } from './input';
import type { Operation } from './operation';
import { jsonBody } from './request';

/** The scope that lets search results carry the decrypted chunk text. */
export const TEXT_SCOPE = 'documents.text';

/**
 * `POST /v1/search`: the query is normalised and redacted (it goes to the embedding model), embedded,
 * and matched against the caller's tenant's unexpired chunks, in the tenant's own index from the
 * registry. Results carry score and provenance; `text` only for callers with `documents.text`, and
 * without that scope no KMS call is made at all.
 */
export const searchDocuments: Operation = async ({ event, caller, tenant, embedder, now }) => {
  const input = parseSearch(jsonBody(event));
  const vector = await embedder.embed(redact(normalizeText(input.query)).text);
  const context = await tenant();
  const hits = await context.store.nearestChunks(vector, input.k, input.filter, now, input.minScore);
  // The collection applies min_score too; this keeps the promise whatever the engine does with it.
  const kept = input.minScore === undefined ? hits : hits.filter((hit) => hit.score >= input.minScore!);
  const withText = caller.scopes.has(TEXT_SCOPE);
  const results = await Promise.all(kept.map(async (hit) => ({ ...provenance(hit), ...(withText ? { text: await textOf(hit, caller.tenantId, context.keyring) } : {}) })));
  return jsonResponse(200, { results });
};

function provenance({ score, fields }: Found<ChunkHit>): Record<string, unknown> {
  return {
    documentId: fields.document_id,
    chunk: fields.chunk,
    score,
    origin: fields.origin ?? null,
    author: fields.author ?? null,
    created: fields.created,
    classification: fields.classification,
    pii: fields.pii,
  };
}

/** The chunk's text; bound to the caller's tenant, so a chunk claiming another tenant fails to open. */
async function textOf({ fields }: Found<ChunkHit>, tenantId: string, keyring: TenantKeyring): Promise<string> {
  const key = await keyring.decryptDataKey(fields.encrypted_key);
  return open(key, fields.ciphertext, chunkAad(tenantId, fields.document_id, fields.chunk)).toString('utf8');
}
