import type { PiiKind } from '../pii';

/**
 * Data classes of a document: the values of an app's `dataClassification` in lib/config/schema.ts
 * (functions do not import the config schema, so they are repeated here).
 */
export const CLASSIFICATIONS = ['public', 'internal', 'confidential', 'regulated'] as const;

/** The data class of a document. */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Where a document stands: `queued` until the worker has indexed it (`indexed`) or given up (`failed`). */
export type DocumentStatus = 'queued' | 'indexed' | 'failed';

/** The fields every stored document (status and chunks) carries; names as in the index mapping. */
export interface StoredFields {
  readonly tenant: string;
  readonly app: string;
  readonly document_id: string;
  readonly origin?: string;
  readonly author?: string;
  /** ISO 8601 timestamps. */
  readonly created: string;
  readonly expires: string;
  readonly classification: Classification;
  /** The PII kinds found (and redacted) in the document. */
  readonly pii: readonly PiiKind[];
  /** SHA-256 hex of the normalised, redacted text. */
  readonly fingerprint: string;
}

/** The status document of a document (one per document); `chunk` holds the number of chunks. */
export interface StatusFields extends StoredFields {
  readonly kind: 'document';
  readonly status: DocumentStatus;
  readonly chunk: number;
}

/** One chunk: its position, its encrypted redacted text and its embedding. */
export interface ChunkFields extends StoredFields {
  readonly kind: 'chunk';
  readonly chunk: number;
  /** Base64 of the AES-256-GCM sealed chunk text (see envelope.ts). */
  readonly ciphertext: string;
  /** Base64 of the KMS-encrypted data key. */
  readonly encrypted_key: string;
  readonly embedding: readonly number[];
}

/** What a document is about, as the caller gave it plus what the pipeline found. */
export interface DocumentDescription {
  readonly tenantId: string;
  readonly appId: string;
  readonly documentId: string;
  readonly origin?: string;
  readonly author?: string;
  readonly classification: Classification;
  readonly created: Date;
  readonly expires: Date;
  readonly pii: readonly PiiKind[];
  readonly fingerprint: string;
}

/** The stored fields of `description`. */
export function storedFields(description: DocumentDescription): StoredFields {
  const { tenantId, appId, documentId, origin, author, classification, created, expires, pii, fingerprint } = description;
  return {
    tenant: tenantId,
    app: appId,
    document_id: documentId,
    ...(origin === undefined ? {} : { origin }),
    ...(author === undefined ? {} : { author }),
    created: created.toISOString(),
    expires: expires.toISOString(),
    classification,
    pii,
    fingerprint,
  };
}

/**
 * How long a `queued` document may wait: the ingest queue keeps a message at most one hour (its
 * retention), so a job older than this can no longer run, e.g. because its service token expired
 * before the worker got to it, and the document counts as `failed`.
 */
export const QUEUED_JOB_MAX_AGE_MS = 60 * 60 * 1000;

/** The status the caller sees: a queued job past the queue's retention has failed. */
export function effectiveStatus(status: DocumentStatus, created: string, now: Date): DocumentStatus {
  if (status !== 'queued') return status;
  return now.getTime() - Date.parse(created) > QUEUED_JOB_MAX_AGE_MS ? 'failed' : 'queued';
}
