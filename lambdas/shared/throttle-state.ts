import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appSubject, tenantSubject } from './budget-events';

/** Where a tenant or app stands against its budgets in the current period. */
export type ThrottleState = 'normal' | 'throttled' | 'blocked';

/** States by severity: a transition only ever raises it within a period, or lifts it to normal. */
export const STATE_RANK: Readonly<Record<ThrottleState, number>> = { normal: 0, throttled: 1, blocked: 2 };

/** The state of a rank. */
export function stateOfRank(rank: number): ThrottleState {
  const state = (Object.keys(STATE_RANK) as ThrottleState[]).find((candidate) => STATE_RANK[candidate] === rank);
  if (!state) throw new Error(`No throttle state has rank ${rank}`);
  return state;
}

/**
 * Attribute names of a state item (one per subject) in the throttle table; the throttle function writes
 * them and the authorizer reads them.
 */
export const STATE_ATTRIBUTES = {
  /** Partition key: `tenant#<id>` or `app#<id>`. */
  subject: 'subject',
  state: 'state',
  /** {@link STATE_RANK} of `state`, which conditions compare. */
  rank: 'stateRank',
  /** The budget period the state applies to: `YYYY-MM` or `YYYY-MM-DD`. */
  period: 'period',
  /** End of that period, epoch seconds: after it the state no longer applies. */
  periodEnd: 'periodEnd',
  /** The highest rank an operator lifted in this period; events up to it are not applied again. */
  liftedRank: 'liftedRank',
  tenantId: 'tenantId',
  appId: 'appId',
  updatedAt: 'updatedAt',
  source: 'source',
  reason: 'reason',
  operator: 'operator',
} as const;

/** The state a stored item puts in force at `nowSeconds`: none once its period has ended. */
export function stateInForce(item: Record<string, AttributeValue> | undefined, nowSeconds: number): ThrottleState {
  if (!item) return 'normal';
  const periodEnd = Number(item[STATE_ATTRIBUTES.periodEnd]?.N);
  const rank = Number(item[STATE_ATTRIBUTES.rank]?.N);
  if (!Number.isFinite(periodEnd) || periodEnd <= nowSeconds || !Number.isInteger(rank) || rank <= 0) return 'normal';
  return stateOfRank(Math.min(rank, STATE_RANK.blocked));
}

/** What the authorizer needs to know about one caller. */
export interface CallerThrottle {
  /** The stronger of the tenant's and the app's state in force. */
  readonly state: ThrottleState;
  /** The subject whose state that is, when not normal. */
  readonly subject?: string;
}

/** Properties of {@link ThrottleStateReader}. */
export interface ThrottleStateReaderProps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /**
   * How long a subject's state is cached in this container, in seconds; 0 reads every time.
   * @default 30
   */
  readonly cacheSeconds?: number;
  /**
   * The clock, in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

interface CachedItem {
  readonly item: Record<string, AttributeValue> | undefined;
  readonly expiresAt: number;
}

/** BatchGetItem hands back keys it could not read under load; retried this many times before giving up. */
const UNPROCESSED_RETRIES = 2;

/**
 * Reads the throttle state of a tenant and an app in one BatchGetItem, caching each subject for a few
 * seconds so a busy authorizer reads the table at most once per subject and interval. A failure throws:
 * the caller decides what a store outage means.
 */
export class ThrottleStateReader {
  private readonly cache = new Map<string, CachedItem>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(private readonly props: ThrottleStateReaderProps) {
    this.cacheMs = (props.cacheSeconds ?? 30) * 1000;
    this.now = props.now ?? (() => Date.now());
  }

  /** The state in force for a call by `appId` of `tenantId`. */
  public async callerState(tenantId: string, appId: string): Promise<CallerThrottle> {
    const subjects = [tenantSubject(tenantId), appSubject(appId)];
    const items = await this.items(subjects);
    const nowSeconds = this.now() / 1000;
    let strongest: CallerThrottle = { state: 'normal' };
    for (const subject of subjects) {
      const state = stateInForce(items.get(subject), nowSeconds);
      if (STATE_RANK[state] > STATE_RANK[strongest.state]) strongest = { state, subject };
    }
    return strongest;
  }

  private async items(subjects: readonly string[]): Promise<Map<string, Record<string, AttributeValue> | undefined>> {
    const now = this.now();
    const found = new Map<string, Record<string, AttributeValue> | undefined>();
    const missing: string[] = [];
    for (const subject of subjects) {
      const cached = this.cache.get(subject);
      if (cached && cached.expiresAt > now) found.set(subject, cached.item);
      else missing.push(subject);
    }
    if (missing.length === 0) return found;
    const read = await this.batchGet(missing);
    for (const subject of missing) {
      const item = read.get(subject);
      found.set(subject, item);
      if (this.cacheMs > 0) this.cache.set(subject, { item, expiresAt: now + this.cacheMs });
    }
    return found;
  }

  private async batchGet(subjects: readonly string[]): Promise<Map<string, Record<string, AttributeValue>>> {
    const { tableName, client } = this.props;
    const read = new Map<string, Record<string, AttributeValue>>();
    let keys: Record<string, AttributeValue>[] = subjects.map((subject) => ({ [STATE_ATTRIBUTES.subject]: { S: subject } }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > UNPROCESSED_RETRIES) throw new Error(`Throttle state of ${keys.length} subjects left unprocessed`);
      const output = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [tableName]: {
              Keys: keys,
              ProjectionExpression: '#subject, #rank, #periodEnd',
              ExpressionAttributeNames: {
                '#subject': STATE_ATTRIBUTES.subject,
                '#rank': STATE_ATTRIBUTES.rank,
                '#periodEnd': STATE_ATTRIBUTES.periodEnd,
              },
            },
          },
        }),
      );
      for (const item of output.Responses?.[tableName] ?? []) {
        const subject = item[STATE_ATTRIBUTES.subject]?.S;
        if (subject) read.set(subject, item);
      }
      keys = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
    return read;
  }
}
