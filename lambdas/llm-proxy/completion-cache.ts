import { createHash } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { open, seal } from '../shared/vectors/envelope';
import type { TenantKeyring } from '../shared/vectors/tenant-keyring';
import type { Completion, CompletionCall } from './model-clients';

/**
 * Deterministic completions (temperature 0) kept for a while, so an app asking the same thing again gets
 * the same answer without a model call or tokens. Entries are per tenant and app, keyed by a hash of
 * everything that shapes the answer (model, template version, the redacted prompt, the output cap), and
 * sealed with a data key of the tenant's own KMS key: the cache table holds only ciphertext, and
 * opening an entry needs the tenant's credentials, which only that tenant's service token obtains.
 */

/** What identifies a cacheable completion. */
export interface CacheKeyParts {
  readonly tenantId: string;
  readonly appId: string;
  /** `<id>@<version>`, or `free-form`. */
  readonly template: string;
  readonly call: CompletionCall;
}

/** A cached completion as stored (sealed). */
interface SealedEntry {
  readonly sealed: string;
  readonly encryptedKey: string;
}

/** The completion cache of one environment. */
export class CompletionCache {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Whether a call may be cached: the cache is on and the call is deterministic. */
  cacheable(call: CompletionCall): boolean {
    return this.ttlSeconds > 0 && call.temperature === 0;
  }

  /** The cached completion for `parts`, if there is one that has not expired. */
  async get(parts: CacheKeyParts, keyring: TenantKeyring, now: Date): Promise<Completion | undefined> {
    const key = cacheKey(parts);
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: false }),
    );
    // TTL deletion lags by up to days: an expired entry is a miss.
    if (!Item?.sealed?.S || !Item.encryptedKey?.S || Number(Item.expiresAt?.N ?? 0) <= now.getTime() / 1000) return undefined;
    const entry: SealedEntry = { sealed: Item.sealed.S, encryptedKey: Item.encryptedKey.S };
    const dataKey = await keyring.decryptDataKey(entry.encryptedKey);
    return JSON.parse(open(dataKey, entry.sealed, aadOf(key)).toString('utf8')) as Completion;
  }

  /** Stores `completion` for `parts` until the TTL passes. */
  async put(parts: CacheKeyParts, completion: Completion, keyring: TenantKeyring, now: Date): Promise<void> {
    const key = cacheKey(parts);
    const dataKey = await keyring.dataKeyFor(1);
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: key },
          tenantId: { S: parts.tenantId },
          sealed: { S: seal(dataKey.plaintext, JSON.stringify(completion), aadOf(key)) },
          encryptedKey: { S: dataKey.encrypted },
          expiresAt: { N: String(Math.floor(now.getTime() / 1000) + this.ttlSeconds) },
        },
      }),
    );
  }
}

/** `<tenant>#<app>#<sha256>`: the tenant and app lead, so an entry can never be found by another app. */
export function cacheKey(parts: CacheKeyParts): string {
  const { call } = parts;
  const digest = createHash('sha256')
    .update(JSON.stringify([parts.template, call.model, call.maxOutputTokens, call.temperature, call.system, call.user]))
    .digest('base64url');
  return `${parts.tenantId}#${parts.appId}#${digest}`;
}

function aadOf(key: string): string {
  return `microplane/llm-cache/v1|${key}`;
}
