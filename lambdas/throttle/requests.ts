import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { TOKEN_BUDGET_EVENT_DETAIL_TYPE, TOKEN_BUDGET_EVENT_SOURCE } from '../shared/budget-events';
import { isAppId, isTenantId } from '../shared/ids';

/**
 * The invocations the throttle function understands: AWS Budgets notifications through SNS,
 * token-budget breaches through EventBridge, the daily period lift from EventBridge Scheduler, and an
 * operator's lift or status request through a direct Lambda invoke (`npm run throttle`).
 */

/** `tenant#<tenant id>` or `app#<app id>`. */
export function isSubject(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const [kind, id, ...rest] = value.split('#');
  if (rest.length > 0) return false;
  return (kind === 'tenant' && isTenantId(id)) || (kind === 'app' && isAppId(id));
}

const subject = z.string().check(z.refine(isSubject, 'must be tenant#<tenant id> or app#<app id>'));

const liftRequestSchema = z.object({
  action: z.literal('lift'),
  subject,
  /** Who asks; `npm run throttle` sends the caller's IAM ARN. */
  operator: z.string().check(z.minLength(1), z.maxLength(256)),
  reason: z.string().check(z.trim(), z.minLength(3, 'give a reason of at least 3 characters'), z.maxLength(500)),
});

const liftPeriodRequestSchema = z.object({ action: z.literal('lift-period') });

const statusRequestSchema = z.object({ action: z.literal('status'), subject });

/** An operator's or the scheduler's request. */
export const directRequestSchema = z.discriminatedUnion('action', [liftRequestSchema, liftPeriodRequestSchema, statusRequestSchema]);

/** A direct request, validated. */
export type DirectRequest = z.infer<typeof directRequestSchema>;

/** An operator's lift request. */
export type LiftRequest = z.infer<typeof liftRequestSchema>;

/** True for what SNS hands a subscribed function. */
export function isSnsEvent(event: unknown): event is SNSEvent {
  const records = (event as { Records?: unknown })?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => (record as { EventSource?: unknown })?.EventSource === 'aws:sns');
}

/** True for a `Token budget exceeded` event of the LLM proxy, whatever its detail holds. */
export function isTokenBudgetEvent(event: unknown): event is EventBridgeEvent<string, unknown> {
  const candidate = event as { source?: unknown; 'detail-type'?: unknown } | undefined;
  return candidate?.source === TOKEN_BUDGET_EVENT_SOURCE && candidate['detail-type'] === TOKEN_BUDGET_EVENT_DETAIL_TYPE;
}

/** True for an invocation that names an `action`, i.e. a direct request (valid or not). */
export function isDirectRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'action' in event;
}
