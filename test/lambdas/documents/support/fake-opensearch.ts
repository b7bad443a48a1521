import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A stored document. */
export type Doc = Record<string, unknown>;

type Query = Record<string, any>;

/**
 * A small OpenSearch Serverless (VECTORSEARCH collection) on 127.0.0.1 that keeps documents in memory
 * and records every request. It answers what the document pipeline uses, the way the collection does:
 * `_bulk` (`index` without `_id`, the collection assigning ids, `index` WITH `_id` refused per item as
 * the collection refuses it; `delete` by `_id`), `_search` with bool/term/terms/range/ids filters and a
 * `knn` query with an efficient `filter` (cosine, scored `(1 + cos) / 2` like `cosinesimil`),
 * `min_score`, `size` and `_source` includes; `_doc` get and delete. `_delete_by_query` answers 404, as
 * the collection does. Indexes must exist (the tenant stack creates them); others answer 404.
 */
export class FakeOpenSearch {
  readonly requests: RecordedRequest[] = [];
  /** Documents for which an `index` action fails (a mapping error), to test partial bulk failures. */
  rejectDocument: (doc: Doc) => boolean = () => false;
  private readonly indexes = new Map<string, Map<string, Doc>>();
  private server?: Server;

  /** Forgets every request and index. */
  reset(): void {
    this.requests.length = 0;
    this.indexes.clear();
    this.rejectDocument = () => false;
  }

  /** Creates an empty index. */
  createIndex(name: string): void {
    this.indexes.set(name, new Map());
  }

  /** The documents of an index, by id. */
  docs(index: string): Map<string, Doc> {
    const docs = this.indexes.get(index);
    if (!docs) throw new Error(`No index ${index}`);
    return docs;
  }

  /** Stores a document directly (test setup), returning its id. */
  put(index: string, doc: Doc): string {
    const id = newId();
    this.docs(index).set(id, doc);
    return id;
  }

  /** The requests whose path ends with `suffix` (e.g. `/_bulk`). */
  requestsTo(suffix: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path.endsWith(suffix));
  }

  /** Every recorded body, joined: to search for what must never be sent. */
  allBodies(): string {
    return this.requests.map((request) => request.body).join('\n');
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // The clients keep their sockets alive; close them too, or the server waits for them.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://localhost');
    const recorded = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const [status, body] = this.answer(recorded);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  }

  private answer({ method, path, body }: RecordedRequest): [number, unknown] {
    const [, index, operation, id] = path.split('/');
    const docs = this.indexes.get(decodeURIComponent(index ?? ''));
    if (!docs) return [404, { error: { type: 'index_not_found_exception', reason: `no such index [${index}]` }, status: 404 }];
    if (operation === '_bulk' && (method === 'POST' || method === 'PUT')) return [200, bulk(docs, index, body, this.rejectDocument)];
    if (operation === '_search' && (method === 'POST' || method === 'GET')) return [200, search(docs, index, body === '' ? {} : JSON.parse(body))];
    if (operation === '_doc' && id && method === 'GET') {
      const doc = docs.get(id);
      return doc ? [200, { _index: index, _id: id, found: true, _source: doc }] : [404, { _index: index, _id: id, found: false }];
    }
    if (operation === '_doc' && id && method === 'DELETE') {
      return docs.delete(id) ? [200, { _index: index, _id: id, result: 'deleted' }] : [404, { _index: index, _id: id, result: 'not_found' }];
    }
    return [404, { error: { type: 'not_found', reason: `${method} ${path} is not supported by this collection` }, status: 404 }];
  }
}

function newId(): string {
  return randomBytes(15).toString('base64url');
}

function bulk(docs: Map<string, Doc>, index: string, body: string, reject: (doc: Doc) => boolean): unknown {
  const lines = body.split('\n').filter((line) => line.trim() !== '');
  const items: unknown[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const action = JSON.parse(lines[i]) as Record<string, { _id?: string }>;
    const [name, meta] = Object.entries(action)[0];
    if (name === 'index' || name === 'create') {
      const source = JSON.parse(lines[++i]) as Doc;
      if (meta._id !== undefined) {
        items.push({ [name]: { _index: index, _id: meta._id, status: 400, error: { type: 'illegal_argument_exception', reason: 'Document ID is not supported in create/index operation request' } } });
        continue;
      }
      if (reject(source)) {
        items.push({ [name]: { _index: index, status: 400, error: { type: 'mapper_parsing_exception', reason: 'failed to parse' } } });
        continue;
      }
      const id = newId();
      docs.set(id, source);
      items.push({ [name]: { _index: index, _id: id, status: 201, result: 'created' } });
    } else if (name === 'delete') {
      const found = docs.delete(meta._id ?? '');
      items.push({ delete: { _index: index, _id: meta._id, status: found ? 200 : 404, result: found ? 'deleted' : 'not_found' } });
    } else {
      items.push({ [name]: { status: 400, error: { type: 'illegal_argument_exception', reason: `unsupported action ${name}` } } });
      if (name === 'update') i += 1;
    }
  }
  return { took: 1, errors: items.some((item) => Object.values(item as object)[0].status >= 300), items };
}

function search(docs: Map<string, Doc>, index: string, body: Query): unknown {
  const query: Query = body.query ?? { match_all: {} };
  let hits: Array<{ id: string; score: number; doc: Doc }>;
  if (query.knn) {
    const [field, knn] = Object.entries(query.knn as Record<string, Query>)[0];
    hits = [...docs.entries()]
      .filter(([id, doc]) => Array.isArray(doc[field]) && (!knn.filter || matches(id, doc, knn.filter)))
      .map(([id, doc]) => ({ id, doc, score: (1 + cosine(knn.vector, doc[field] as number[])) / 2 }))
      .sort((a, b) => b.score - a.score)
      .slice(0, knn.k);
  } else {
    hits = [...docs.entries()].filter(([id, doc]) => matches(id, doc, query)).map(([id, doc]) => ({ id, doc, score: 1 }));
  }
  if (typeof body.min_score === 'number') hits = hits.filter((hit) => hit.score >= body.min_score);
  const size = body.size ?? 10;
  return {
    took: 1,
    timed_out: false,
    hits: {
      total: { value: hits.length, relation: 'eq' },
      hits: hits.slice(0, size).map((hit) => ({ _index: index, _id: hit.id, _score: hit.score, ...source(hit.doc, body._source) })),
    },
  };
}

function source(doc: Doc, wanted: unknown): { _source?: Doc } {
  if (wanted === false) return {};
  const includes = Array.isArray(wanted) ? wanted : (wanted as { includes?: string[] } | undefined)?.includes;
  if (!includes) return { _source: doc };
  return { _source: Object.fromEntries(Object.entries(doc).filter(([key]) => includes.includes(key))) };
}

function matches(id: string, doc: Doc, query: Query): boolean {
  const [type, spec] = Object.entries(query)[0] as [string, Query];
  switch (type) {
    case 'match_all':
      return true;
    case 'bool':
      return boolMatches(id, doc, spec);
    case 'term': {
      const [field, value] = Object.entries(spec)[0];
      return valuesOf(doc[field]).includes(typeof value === 'object' && value !== null ? (value as Query).value : value);
    }
    case 'terms': {
      const [field, values] = Object.entries(spec)[0] as [string, unknown[]];
      return valuesOf(doc[field]).some((value) => values.includes(value));
    }
    case 'range': {
      const [field, bounds] = Object.entries(spec)[0] as [string, Record<string, string | number>];
      return valuesOf(doc[field]).some((value) => inRange(value, bounds));
    }
    case 'ids':
      return (spec.values as string[]).includes(id);
    default:
      throw new Error(`The fake does not know the query ${type}`);
  }
}

function boolMatches(id: string, doc: Doc, spec: Query): boolean {
  const list = (clauses: unknown): Query[] => (clauses === undefined ? [] : Array.isArray(clauses) ? clauses : [clauses as Query]);
  const all = [...list(spec.filter), ...list(spec.must)].every((clause) => matches(id, doc, clause));
  const none = list(spec.must_not).every((clause) => !matches(id, doc, clause));
  const should = list(spec.should);
  const wanted = spec.minimum_should_match ?? (should.length > 0 && list(spec.filter).length + list(spec.must).length === 0 ? 1 : 0);
  const some = should.filter((clause) => matches(id, doc, clause)).length >= wanted;
  return all && none && some;
}

function valuesOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

function inRange(value: unknown, bounds: Record<string, string | number>): boolean {
  const number = (x: unknown): number => (typeof x === 'number' ? x : Date.parse(String(x)));
  const v = number(value);
  return (
    (bounds.gt === undefined || v > number(bounds.gt)) &&
    (bounds.gte === undefined || v >= number(bounds.gte)) &&
    (bounds.lt === undefined || v < number(bounds.lt)) &&
    (bounds.lte === undefined || v <= number(bounds.lte))
  );
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
