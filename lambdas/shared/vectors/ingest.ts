import { createHash } from 'node:crypto';
import { normalizeText, redact, type PiiKind } from '../pii';
import { chunkText, type ChunkingOptions } from './chunking';
import { storedFields, type ChunkFields, type DocumentDescription, type StatusFields } from './document';
import type { DocumentStore } from './document-store';
import { mapWithConcurrency } from './concurrency';
import type { Embedder } from './embedding';
import { chunkAad, seal } from './envelope';
import type { TenantKeyring } from './tenant-keyring';

/** Text ready to store: normalised, then redacted; the only form of a document that leaves the request. */
export interface PreparedText {
  readonly text: string;
  /** The PII kinds redacted, in a stable order. */
  readonly pii: PiiKind[];
  /** SHA-256 hex of `text`: equal texts within a tenant are one document. */
  readonly fingerprint: string;
}

/** Normalises, redacts and fingerprints `raw`. */
export function prepareText(raw: string): PreparedText {
  const redaction = redact(normalizeText(raw));
  const pii = (Object.keys(redaction.counts) as PiiKind[]).filter((kind) => (redaction.counts[kind] ?? 0) > 0).sort();
  return { text: redaction.text, pii, fingerprint: fingerprintOf(redaction.text) };
}

/** The fingerprint of prepared text. */
export function fingerprintOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** What indexing a document works with. */
export interface IndexingContext {
  readonly store: DocumentStore;
  readonly keyring: TenantKeyring;
  readonly embedder: Embedder;
  readonly chunking: ChunkingOptions;
}

/** Embedding requests in flight at once per document, under the model's request quota. */
const EMBEDDING_CONCURRENCY = 4;

/**
 * Chunks, embeds, encrypts and stores a prepared document: one document per chunk plus its `indexed`
 * status document, in one `_bulk`, which also deletes `replacedIds` (e.g. the `queued` status it
 * supersedes). Only the redacted text is embedded and encrypted. Returns the number of chunks.
 */
export async function indexDocument(
  context: IndexingContext,
  description: DocumentDescription,
  text: string,
  replacedIds: readonly string[] = [],
): Promise<number> {
  const chunks = chunkText(text, context.chunking);
  const embeddings = await mapWithConcurrency(chunks, EMBEDDING_CONCURRENCY, (chunk) => context.embedder.embed(chunk));
  const dataKey = await context.keyring.dataKeyFor(chunks.length);
  const fields = storedFields(description);
  const chunkDocuments: ChunkFields[] = chunks.map((chunk, index) => ({
    ...fields,
    kind: 'chunk',
    chunk: index,
    ciphertext: seal(dataKey.plaintext, chunk, chunkAad(description.tenantId, description.documentId, index)),
    encrypted_key: dataKey.encrypted,
    embedding: embeddings[index],
  }));
  await context.store.write([...chunkDocuments, statusDocument(description, 'indexed', chunks.length)], replacedIds);
  return chunks.length;
}

/** The status document of `description`. */
export function statusDocument(description: DocumentDescription, status: StatusFields['status'], chunks = 0): StatusFields {
  return { ...storedFields(description), kind: 'document', status, chunk: chunks };
}
