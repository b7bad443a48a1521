import type { Client } from '@opensearch-project/opensearch';
import {
  QUEUED_JOB_MAX_AGE_MS,
  type ChunkFields,
  type Classification,
  type DocumentStatus,
  type StatusFields,
  type StoredFields,
} from './document';

/** One clause of an OpenSearch bool query. */
export type Clause = Record<string, unknown>;

/** A clause matching `field` = `value` exactly (a keyword, integer or date field). */
export const term = (field: string, value: string | number): Clause => ({ term: { [field]: value } });

/** A stored document found by a search, with OpenSearch's own `_id`. */
export interface Found<T> {
  readonly id: string;
  readonly score: number;
  readonly fields: T;
}

/** A chunk as search returns it: everything but the embedding. */
export type ChunkHit = Omit<ChunkFields, 'embedding'>;

/** What {@link DocumentStore.deleteMatching} did. */
export interface Deletion {
  readonly deleted: number;
  /** False when the limit stopped it with matching documents left. */
  readonly complete: boolean;
}

/** Metadata filters of a k-NN search; the tenant, kind and expiry filters are always added. */
export interface SearchFilters {
  readonly app?: string;
  readonly origin?: string;
  readonly author?: string;
  readonly classification?: readonly Classification[];
  readonly createdAfter?: string;
  readonly createdBefore?: string;
}

/** Documents fetched and deleted per round trip. */
const PAGE_SIZE = 500;
/** A status found twice (a worker replaced `queued` before the old one left the index) resolves to the later state. */
const STATUS_PRECEDENCE: Readonly<Record<DocumentStatus, number>> = { queued: 0, failed: 1, indexed: 2 };
const CHUNK_FIELDS = ['kind', 'tenant', 'app', 'document_id', 'chunk', 'origin', 'author', 'created', 'expires', 'classification', 'pii', 'fingerprint', 'ciphertext', 'encrypted_key'];
const STATUS_FIELDS = ['kind', 'tenant', 'app', 'document_id', 'chunk', 'origin', 'author', 'created', 'expires', 'classification', 'pii', 'fingerprint', 'status'];

/**
 * One tenant's index in OpenSearch Serverless. Every query it sends filters on the tenant (besides the
 * index being the tenant's own), and it uses only operations a VECTORSEARCH collection supports:
 * `_search`, and `_bulk` with `index` actions without `_id` (the collection assigns ids; custom ids are
 * refused) and `delete` actions by `_id`. `_delete_by_query` and scroll are not available there, so
 * deletion pages through searches and bulk deletes.
 *
 * Newly written documents become searchable after the collection's refresh (seconds), so a status or
 * duplicate check right after a write may not see it yet.
 */
export class DocumentStore {
  constructor(
    private readonly client: Client,
    /** The tenant's index, from its registry entry. */
    readonly index: string,
    readonly tenantId: string,
  ) {}

  /** The live (indexed, or queued and still runnable) document of the tenant with this fingerprint. */
  async findDuplicate(fingerprint: string, now: Date): Promise<Found<StatusFields> | undefined> {
    const runnableSince = new Date(now.getTime() - QUEUED_JOB_MAX_AGE_MS).toISOString();
    const hits = await this.search<StatusFields>({
      size: 1,
      _source: { includes: STATUS_FIELDS },
      query: this.bool(
        [term('kind', 'document'), term('fingerprint', fingerprint), unexpired(now)],
        {
          should: [term('status', 'indexed'), this.bool([term('status', 'queued'), { range: { created: { gt: runnableSince } } }])],
          minimum_should_match: 1,
        },
      ),
    });
    return hits[0];
  }

  /** The status document of `documentId` of `appId`, unexpired. */
  async status(documentId: string, appId: string, now: Date): Promise<Found<StatusFields> | undefined> {
    const hits = await this.search<StatusFields>({
      size: 10,
      _source: { includes: STATUS_FIELDS },
      query: this.bool([term('kind', 'document'), term('document_id', documentId), term('app', appId), unexpired(now)]),
    });
    return hits.reduce<Found<StatusFields> | undefined>(
      (best, hit) => (!best || STATUS_PRECEDENCE[hit.fields.status] > STATUS_PRECEDENCE[best.fields.status] ? hit : best),
      undefined,
    );
  }

  /**
   * Writes new documents (ids assigned by the collection) and deletes `deleteIds`, in one `_bulk`, and
   * returns the new ids. When any operation fails, the documents it did write are deleted again (best
   * effort) before it throws, so a failed ingest leaves no chunks without a status behind.
   */
  async write(documents: ReadonlyArray<StatusFields | ChunkFields>, deleteIds: readonly string[] = []): Promise<string[]> {
    const body = [
      ...documents.flatMap((document) => [{ index: {} }, document]),
      ...deleteIds.map((id) => ({ delete: { _id: id } })),
    ];
    if (body.length === 0) return [];
    const results = await this.bulk(body);
    const created = results.filter((result) => result.action === 'index' && result.status < 300).map((result) => result.id);
    const failed = results.filter((result) => result.status >= 300 && !(result.action === 'delete' && result.status === 404));
    if (failed.length > 0) {
      if (created.length > 0) await this.bulk(created.map((id) => ({ delete: { _id: id } }))).catch(() => undefined);
      throw bulkError(failed);
    }
    return created;
  }

  /** Deletes documents by id (e.g. what {@link write} returned); ids already gone are fine. */
  async deleteIds(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const failed = (await this.bulk(ids.map((id) => ({ delete: { _id: id } })))).filter((result) => result.status >= 300 && result.status !== 404);
    if (failed.length > 0) throw bulkError(failed);
  }

  /**
   * Deletes the tenant's documents matching `filters`, at most `limit` of them: searches a page of ids,
   * deletes them by id, and repeats. Ids already deleted are excluded from later searches, because the
   * collection may still return them until its next refresh.
   */
  async deleteMatching(filters: readonly Clause[], limit: number): Promise<Deletion> {
    const deleted = new Set<string>();
    while (deleted.size < limit) {
      const size = Math.min(PAGE_SIZE, limit - deleted.size);
      const mustNot = deleted.size === 0 ? [] : [{ ids: { values: [...deleted] } }];
      const hits = await this.search({ size, _source: false, query: this.bool([...filters], { must_not: mustNot }) });
      if (hits.length === 0) return { deleted: deleted.size, complete: true };
      await this.deleteIds(hits.map((hit) => hit.id));
      for (const hit of hits) deleted.add(hit.id);
    }
    return { deleted: deleted.size, complete: false };
  }

  /** The `k` chunks nearest to `vector` among the tenant's unexpired chunks matching `filters`. */
  async nearestChunks(vector: readonly number[], k: number, filters: SearchFilters, now: Date, minScore?: number): Promise<Found<ChunkHit>[]> {
    const filter = this.bool([term('kind', 'chunk'), unexpired(now), ...metadataClauses(filters)]);
    return this.search<ChunkHit>({
      size: k,
      ...(minScore === undefined ? {} : { min_score: minScore }),
      _source: { includes: CHUNK_FIELDS },
      // Efficient k-NN filtering: the filter applies during the search, so k results come back when k match.
      query: { knn: { embedding: { vector, k, filter } } },
    });
  }

  private async search<T extends Partial<StoredFields> = StoredFields>(body: Record<string, unknown>): Promise<Found<T>[]> {
    const response = await this.client.search({ index: this.index, body: body as never });
    const hits = (response.body.hits?.hits ?? []) as Array<{ _id: string; _score?: number | null; _source?: unknown }>;
    return hits.map((hit) => ({ id: hit._id, score: hit._score ?? 0, fields: (hit._source ?? {}) as T }));
  }

  /** Sends a `_bulk` and returns the result of every operation, in order. */
  private async bulk(body: readonly object[]): Promise<BulkResult[]> {
    const response = await this.client.bulk({ index: this.index, body: body as never });
    const items = (response.body.items ?? []) as unknown as Array<Record<string, { _id?: string | null; status: number; error?: { type?: string } }>>;
    return items.map((item) => {
      const [action, result] = Object.entries(item)[0];
      return { action, id: result._id ?? '', status: result.status, errorType: result.error?.type };
    });
  }

  /** A bool query whose filters always include the tenant. */
  private bool(filters: readonly Clause[], extra: Record<string, unknown> = {}): Clause {
    return { bool: { filter: [term('tenant', this.tenantId), ...filters], ...extra } };
  }
}

/** The outcome of one `_bulk` operation. */
interface BulkResult {
  readonly action: string;
  readonly id: string;
  readonly status: number;
  readonly errorType?: string;
}

// Error types and statuses only: an item's error reason can quote the document.
function bulkError(failed: readonly BulkResult[]): Error {
  const [first] = failed;
  return new Error(`${failed.length} bulk operations failed, e.g. ${first.action}: ${first.status} ${first.errorType ?? ''}`.trim());
}

function unexpired(now: Date): Clause {
  return { range: { expires: { gt: now.toISOString() } } };
}

function metadataClauses(filters: SearchFilters): Clause[] {
  const clauses: Clause[] = [];
  if (filters.app !== undefined) clauses.push(term('app', filters.app));
  if (filters.origin !== undefined) clauses.push(term('origin', filters.origin));
  if (filters.author !== undefined) clauses.push(term('author', filters.author));
  if (filters.classification !== undefined) clauses.push({ terms: { classification: [...filters.classification] } });
  const created: Record<string, string> = {};
  if (filters.createdAfter !== undefined) created.gt = filters.createdAfter;
  if (filters.createdBefore !== undefined) created.lt = filters.createdBefore;
  if (Object.keys(created).length > 0) clauses.push({ range: { created } });
  return clauses;
}
