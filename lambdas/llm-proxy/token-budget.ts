import { ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { periodEndSeconds } from '../shared/budget-events';

/**
 * Per-app daily token budgets in DynamoDB (on demand): one item per app and UTC day, changed only by
 * atomic `ADD`s. A request first reserves what it may use (its prompt estimate plus its output cap) under
 * a condition that the reservation fits, then settles to what the model reported. Concurrent requests
 * can therefore never spend more than the budget together, and nothing is read-modified-written.
 */

/** Attribute names of a usage item. */
const A = { key: 'pk', tokens: 'tokens', expiresAt: 'expiresAt', breachedAt: 'breachedAt', tenantId: 'tenantId' } as const;

/** Items stay two days past their day, for audits, then DynamoDB's TTL deletes them. */
const RETENTION_SECONDS = 2 * 86_400;

/** What a reservation found. */
export type Reservation = { readonly granted: true } | { readonly granted: false; readonly tokensUsed: number };

/** The token counter of one environment's apps. */
export class TokenBudget {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Reserves `tokens` of `appId`'s `budget` for `day` (`YYYY-MM-DD`, UTC), unless that would exceed it. */
  async reserve(tenantId: string, appId: string, day: string, tokens: number, budget: number): Promise<Reservation> {
    if (tokens > budget) return { granted: false, tokensUsed: 0 };
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [A.key]: { S: usageKey(appId, day) } },
          UpdateExpression: 'ADD #tokens :tokens SET #tenant = :tenant, #expires = if_not_exists(#expires, :expires)',
          // DynamoDB conditions cannot add, so the room left is computed here: used <= budget - tokens.
          ConditionExpression: 'attribute_not_exists(#tokens) OR #tokens <= :room',
          ExpressionAttributeNames: { '#tokens': A.tokens, '#tenant': A.tenantId, '#expires': A.expiresAt },
          ExpressionAttributeValues: {
            ':tokens': { N: String(tokens) },
            ':room': { N: String(budget - tokens) },
            ':tenant': { S: tenantId },
            ':expires': { N: String(periodEndSeconds(day) + RETENTION_SECONDS) },
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { granted: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { granted: false, tokensUsed: Number(error.Item?.[A.tokens]?.N ?? 0) };
    }
  }

  /** Adds `delta` (negative to give back) to a reservation of `day`: what the model used minus what was reserved. */
  async settle(appId: string, day: string, delta: number): Promise<void> {
    if (delta === 0) return;
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [A.key]: { S: usageKey(appId, day) } },
        UpdateExpression: 'ADD #tokens :delta',
        // Only an item a reservation created: a settle never invents usage.
        ConditionExpression: 'attribute_exists(#tokens)',
        ExpressionAttributeNames: { '#tokens': A.tokens },
        ExpressionAttributeValues: { ':delta': { N: String(delta) } },
      }),
    );
  }

  /**
   * Records that `appId` broke its budget on `day`; true only for the first caller, so a breach is
   * reported once per day however many requests are refused.
   */
  async markBreach(appId: string, day: string, at: Date): Promise<boolean> {
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [A.key]: { S: usageKey(appId, day) } },
          UpdateExpression: 'SET #breached = :at',
          ConditionExpression: 'attribute_not_exists(#breached)',
          ExpressionAttributeNames: { '#breached': A.breachedAt },
          ExpressionAttributeValues: { ':at': { S: at.toISOString() } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Forgets a breach whose report failed, so the next refused request reports it again. */
  async clearBreach(appId: string, day: string): Promise<void> {
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [A.key]: { S: usageKey(appId, day) } },
        UpdateExpression: 'REMOVE #breached',
        ExpressionAttributeNames: { '#breached': A.breachedAt },
      }),
    );
  }
}

/** The item key of an app's usage on a day. */
export function usageKey(appId: string, day: string): string {
  return `app#${appId}#${day}`;
}

/** The UTC day of `date`: `2026-12-02`. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Seconds from `now` until the day's budget resets (the next UTC midnight), at least 1. */
export function secondsUntilReset(now: Date): number {
  return Math.max(1, Math.ceil(periodEndSeconds(dayOf(now)) - now.getTime() / 1000));
}
