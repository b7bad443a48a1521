import type { DataKey } from './envelope';

/** Limits of {@link DataKeyCache}, after the AWS Encryption SDK's caching materials manager. */
export interface DataKeyCacheLimits {
  /**
   * How long one data key is used for new ciphertexts.
   * @default 300_000 (five minutes)
   */
  readonly maxAgeMs?: number;
  /**
   * How many messages (one stored chunk or queued body is one message) one data key encrypts.
   * @default 1000
   */
  readonly maxMessages?: number;
  /**
   * How many partitions (tenant keys) are kept; the oldest is dropped first.
   * @default 100
   */
  readonly maxEntries?: number;
  /**
   * The clock, in milliseconds since the epoch.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface Entry {
  readonly key: DataKey;
  readonly createdAt: number;
  messages: number;
}

/**
 * Reuses a data key for encryption within limits, like the Encryption SDK's caching CMM: a key serves
 * at most `maxMessages` messages and `maxAgeMs`, then KMS generates a new one. Entries are partitioned
 * by what the key is bound to (the tenant key and the KMS encryption context), never shared across
 * tenants. Without a cache every document would cost one `GenerateDataKey`; with it a busy tenant costs
 * about one call per five minutes, and a leaked data key exposes at most 1000 chunks.
 *
 * Only encryption keys are cached: decryption asks KMS each time (once per data key per request), so
 * every read of stored text appears in the tenant's CloudTrail.
 */
export class DataKeyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxAgeMs: number;
  private readonly maxMessages: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(limits: DataKeyCacheLimits = {}) {
    this.maxAgeMs = limits.maxAgeMs ?? 300_000;
    this.maxMessages = limits.maxMessages ?? 1000;
    this.maxEntries = limits.maxEntries ?? 100;
    this.now = limits.now ?? Date.now;
  }

  /**
   * A data key of `partition` for `messages` more messages: the cached one while it is young enough and
   * has room for them all, otherwise a new one from `generate`. A batch larger than the message limit
   * gets a key of its own, never cached.
   */
  async acquire(partition: string, messages: number, generate: () => Promise<DataKey>): Promise<DataKey> {
    const cached = this.entries.get(partition);
    if (cached && this.usable(cached, messages)) {
      cached.messages += messages;
      return cached.key;
    }
    this.entries.delete(partition);
    const key = await generate();
    if (messages <= this.maxMessages) this.store(partition, { key, createdAt: this.now(), messages });
    return key;
  }

  private usable(entry: Entry, messages: number): boolean {
    return this.now() - entry.createdAt < this.maxAgeMs && entry.messages + messages <= this.maxMessages;
  }

  private store(partition: string, entry: Entry): void {
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(partition, entry);
  }
}
