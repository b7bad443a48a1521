import { createHash } from 'node:crypto';
import type { SqlClient } from '../shared/db/sql-client';
import { notesErrors } from './errors';

/** A response worth replaying: the status and JSON body the first request got. */
export interface StoredResponse<T> {
  readonly status: number;
  readonly body: T;
}

/** A response and whether it is the replay of an earlier one. */
export interface IdempotentResult<T> extends StoredResponse<T> {
  readonly replayed: boolean;
}

/** What identifies one use of a key: the app, the key and a fingerprint of the request. */
export interface IdempotentRequest {
  readonly appId: string;
  readonly key: string;
  readonly requestHash: string;
  readonly now: Date;
}

/** How long a key is honoured; a retention job deletes older keys, and an older one counts as new. */
export const KEY_RETENTION_MS = 24 * 60 * 60 * 1000;

/** A fingerprint of a request: SHA-256 over its canonical JSON, so formatting does not matter. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

interface StoredRow {
  request_hash: string;
  response_status: number | null;
  response_body: unknown;
}

/**
 * Runs `work` once per key. The key row is claimed with INSERT … ON CONFLICT in the same transaction
 * as the work: a concurrent request with the same key waits on the primary key until the first
 * commits, then replays its stored response; if the first rolls back, the second claims the key.
 * `parse` turns a stored body back into the typed response.
 */
export async function runOnce<T>(
  db: SqlClient,
  request: IdempotentRequest,
  work: (tx: SqlClient) => Promise<StoredResponse<T>>,
  parse: (stored: unknown) => T,
): Promise<IdempotentResult<T>> {
  const outcome = await db.transaction(async (tx): Promise<IdempotentResult<T> | 'reused'> => {
    if (await claim(tx, request)) {
      const response = await work(tx);
      await tx.query(
        `UPDATE idempotency_keys SET response_status = :status, response_body = :body::jsonb
         WHERE app_id = :appId AND key = :key`,
        { appId: request.appId, key: request.key, status: response.status, body: JSON.stringify(response.body) },
      );
      return { ...response, replayed: false };
    }
    const [stored] = await tx.query<StoredRow & Record<string, unknown>>(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE app_id = :appId AND key = :key`,
      { appId: request.appId, key: request.key },
    );
    if (!stored || stored.response_status === null) {
      throw new Error('An idempotency key was held without a response'); // impossible by construction
    }
    if (stored.request_hash !== request.requestHash) return 'reused';
    return { status: Number(stored.response_status), body: parse(stored.response_body), replayed: true };
  });
  // Thrown outside the transaction: adapters may wrap what escapes one.
  if (outcome === 'reused') throw notesErrors.idempotencyKeyReused();
  return outcome;
}

/** True when this transaction now holds the key: it was free, or its last use has expired. */
async function claim(tx: SqlClient, request: IdempotentRequest): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO idempotency_keys (app_id, key, request_hash, created_at)
     VALUES (:appId, :key, :requestHash, :now::timestamptz)
     ON CONFLICT (app_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at, response_status = NULL, response_body = NULL
       WHERE idempotency_keys.created_at < :expiredBefore::timestamptz
     RETURNING key`,
    {
      appId: request.appId,
      key: request.key,
      requestHash: request.requestHash,
      now: request.now.toISOString(),
      expiredBefore: new Date(request.now.getTime() - KEY_RETENTION_MS).toISOString(),
    },
  );
  return rows.length === 1;
}
