import {
  ConditionalCheckFailedException,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { periodEndSeconds } from '../shared/budget-events';
import { STATE_ATTRIBUTES as A, STATE_RANK, stateInForce, type ThrottleState } from '../shared/throttle-state';

/** A state a budget breach asks for: never `normal`, which only lifts give. */
export type RestrictedState = Exclude<ThrottleState, 'normal'>;

/** Who and what caused a transition, for the audit trail. */
export interface TransitionCause {
  /** `budget`, `token-budget`, `operator` or `period-end`. */
  readonly source: string;
  readonly reason: string;
  /** The operator who asked, for manual lifts. */
  readonly operator?: string;
}

/** A breach: raise `subject` to `target` for `period`. */
export interface Escalation extends TransitionCause {
  readonly subject: string;
  readonly tenantId: string;
  readonly appId?: string;
  readonly target: RestrictedState;
  /** `YYYY-MM` or `YYYY-MM-DD`. */
  readonly period: string;
}

/** The state of a subject as stored. */
export interface StoredState {
  readonly subject: string;
  readonly state: ThrottleState;
  /** The state the item puts in force now: `normal` once its period has ended. */
  readonly inForce: ThrottleState;
  readonly period?: string;
  readonly tenantId?: string;
  readonly appId?: string;
  readonly updatedAt?: string;
  readonly source?: string;
  readonly reason?: string;
  readonly operator?: string;
}

/** What a transition request did. */
export type TransitionResult =
  | { readonly applied: true; readonly subject: string; readonly tenantId?: string; readonly appId?: string; readonly from: ThrottleState; readonly fromPeriod?: string; readonly to: ThrottleState; readonly period?: string }
  | { readonly applied: false; readonly subject: string; readonly current?: StoredState };

/**
 * The throttle table, one item per subject. Every write is a single conditional UpdateItem whose
 * condition is the state machine itself, so a duplicate, late or concurrent delivery changes nothing
 * without anyone remembering message ids:
 *
 * - a breach in a *newer* period than the stored one (or with nothing stored) starts that period from
 *   normal and sets the breach's state;
 * - a breach in the *same* period applies only if it raises the state, and only above what an operator
 *   lifted in that period;
 * - anything else (the same state again, a lower state, an older period) fails its condition: no change.
 *
 * Periods compare by their end, so a daily token-budget throttle and a monthly cost-budget block of the
 * same subject order correctly.
 */
export class ThrottleStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Applies a breach; see the class comment for when it changes anything. */
  public async escalate(escalation: Escalation): Promise<TransitionResult> {
    const end = periodEndSeconds(escalation.period);
    const values = {
      ':state': { S: escalation.target },
      ':rank': { N: String(STATE_RANK[escalation.target]) },
      ':period': { S: escalation.period },
      ':periodEnd': { N: String(end) },
      ...this.causeValues(escalation),
    };
    const cause = `#updatedAt = :updatedAt, #source = :source, #reason = :reason`;
    const newPeriod = await this.update(escalation.subject, {
      UpdateExpression: `SET #state = :state, #rank = :rank, #period = :period, #periodEnd = :periodEnd, #liftedRank = :zero, #tenantId = :tenantId${escalation.appId ? ', #appId = :appId' : ''}, ${cause} REMOVE #operator`,
      ConditionExpression: 'attribute_not_exists(#subject) OR #periodEnd < :periodEnd',
      ExpressionAttributeValues: { ...values, ':zero': { N: '0' }, ':tenantId': { S: escalation.tenantId }, ...(escalation.appId ? { ':appId': { S: escalation.appId } } : {}) },
    });
    const owner = { tenantId: escalation.tenantId, ...(escalation.appId ? { appId: escalation.appId } : {}) };
    if (newPeriod.applied) return this.applied(escalation.subject, newPeriod.old, escalation.target, escalation.period, owner);
    const samePeriod = await this.update(escalation.subject, {
      UpdateExpression: `SET #state = :state, #rank = :rank, #period = :period, ${cause} REMOVE #operator`,
      ConditionExpression: '#periodEnd = :periodEnd AND #rank < :rank AND #liftedRank < :rank',
      ExpressionAttributeValues: values,
    });
    if (samePeriod.applied) return this.applied(escalation.subject, samePeriod.old, escalation.target, escalation.period, owner);
    return { applied: false, subject: escalation.subject, current: this.stored(samePeriod.old) };
  }

  /**
   * An operator lifts the state in force to normal for the rest of its period; breaches up to the lifted
   * state in that period are then not applied again (a duplicate notification cannot undo the lift),
   * but a higher one is.
   */
  public async lift(subject: string, cause: TransitionCause): Promise<TransitionResult> {
    const result = await this.update(subject, {
      UpdateExpression: 'SET #state = :normal, #rank = :zero, #liftedRank = #rank, #updatedAt = :updatedAt, #source = :source, #reason = :reason, #operator = :operator',
      ConditionExpression: 'attribute_exists(#subject) AND #rank > :zero AND #periodEnd > :now',
      ExpressionAttributeValues: {
        ':normal': { S: 'normal' },
        ':zero': { N: '0' },
        ':now': { N: String(this.nowSeconds()) },
        ':operator': { S: cause.operator ?? 'unknown' },
        ...this.causeValues(cause),
      },
    });
    if (!result.applied) return { applied: false, subject, current: this.stored(result.old) };
    return this.applied(subject, result.old, 'normal');
  }

  /**
   * Lifts every state whose period has ended (the authorizer already ignores them): run at the start
   * of each period so the audit trail and metrics record the lift.
   */
  public async liftEndedPeriods(cause: TransitionCause): Promise<TransitionResult[]> {
    const now = String(this.nowSeconds());
    const lifted: TransitionResult[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: '#subject',
          FilterExpression: '#rank > :zero AND #periodEnd <= :now',
          ExpressionAttributeNames: { '#subject': A.subject, '#rank': A.rank, '#periodEnd': A.periodEnd },
          ExpressionAttributeValues: { ':zero': { N: '0' }, ':now': { N: now } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const subject = item[A.subject]?.S;
        if (!subject) continue;
        const result = await this.update(subject, {
          UpdateExpression: 'SET #state = :normal, #rank = :zero, #liftedRank = :zero, #updatedAt = :updatedAt, #source = :source, #reason = :reason REMOVE #operator',
          // A breach of the new period may have landed since the scan: then there is nothing to lift.
          ConditionExpression: '#rank > :zero AND #periodEnd <= :now',
          ExpressionAttributeValues: { ':normal': { S: 'normal' }, ':zero': { N: '0' }, ':now': { N: now }, ...this.causeValues(cause) },
        });
        if (result.applied) lifted.push({ applied: true, subject, ...this.owner(result.old), from: this.stateOf(result.old), fromPeriod: result.old?.[A.period]?.S, to: 'normal' });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return lifted;
  }

  /** The stored state of a subject. */
  public async get(subject: string): Promise<StoredState | undefined> {
    const output = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { [A.subject]: { S: subject } }, ConsistentRead: true }));
    return this.stored(output.Item);
  }

  private async update(
    subject: string,
    request: { UpdateExpression: string; ConditionExpression: string; ExpressionAttributeValues: Record<string, AttributeValue> },
  ): Promise<{ applied: boolean; old?: Record<string, AttributeValue> }> {
    const names = Object.fromEntries(
      Object.entries(A)
        .map(([key, name]) => [`#${key}`, name] as const)
        .filter(([placeholder]) => new RegExp(`${placeholder}\\b`).test(`${request.UpdateExpression} ${request.ConditionExpression}`)),
    );
    try {
      const output = await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [A.subject]: { S: subject } },
          ...request,
          ExpressionAttributeNames: names,
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { applied: true, old: output.Attributes };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { applied: false, old: error.Item };
      throw error;
    }
  }

  /** `from` is the state that was in force: a state of an ended period counts as normal. */
  private applied(
    subject: string,
    old: Record<string, AttributeValue> | undefined,
    to: ThrottleState,
    period?: string,
    owner: { tenantId?: string; appId?: string } = this.owner(old),
  ): TransitionResult {
    const fromPeriod = old?.[A.period]?.S;
    return { applied: true, subject, ...owner, from: stateInForce(old, this.nowSeconds()), ...(fromPeriod ? { fromPeriod } : {}), to, period: period ?? fromPeriod };
  }

  private owner(item: Record<string, AttributeValue> | undefined): { tenantId?: string; appId?: string } {
    const tenantId = item?.[A.tenantId]?.S;
    const appId = item?.[A.appId]?.S;
    return { ...(tenantId ? { tenantId } : {}), ...(appId ? { appId } : {}) };
  }

  private stateOf(item: Record<string, AttributeValue> | undefined): ThrottleState {
    const state = item?.[A.state]?.S;
    return state === 'throttled' || state === 'blocked' ? state : 'normal';
  }

  private stored(item: Record<string, AttributeValue> | undefined): StoredState | undefined {
    const subject = item?.[A.subject]?.S;
    if (!item || !subject) return undefined;
    const text = (name: string): string | undefined => item[name]?.S;
    const fields = {
      period: text(A.period),
      ...this.owner(item),
      updatedAt: text(A.updatedAt),
      source: text(A.source),
      reason: text(A.reason),
      operator: text(A.operator),
    };
    return {
      subject,
      state: this.stateOf(item),
      inForce: stateInForce(item, this.nowSeconds()),
      ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
    };
  }

  private causeValues(cause: TransitionCause): Record<string, AttributeValue> {
    return {
      ':updatedAt': { S: this.clock().toISOString() },
      ':source': { S: cause.source },
      ':reason': { S: cause.reason },
    };
  }

  private nowSeconds(): number {
    return Math.floor(this.clock().getTime() / 1000);
  }
}
