// zod/mini: the LLM proxy and the authorizer load this on their hot path and stay small.
import * as z from 'zod/mini';
import { isAppId, isTenantId } from './ids';

/**
 * The contracts of budget-triggered throttling, shared by the stacks (lib/), the throttle function, the
 * authorizer and the LLM proxy: the token-budget breach event, the names of AWS Budgets and the budget
 * policy each tenant stack publishes, the state subjects and budget periods. Nothing here talks to AWS.
 */

/** EventBridge `source` of a token-budget breach; the LLM proxy puts it on the default bus. */
export const TOKEN_BUDGET_EVENT_SOURCE = 'microplane.llm-proxy';
/** EventBridge `detail-type` of a token-budget breach. */
export const TOKEN_BUDGET_EVENT_DETAIL_TYPE = 'Token budget exceeded';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * A budget period: a UTC calendar month (`2026-11`, cost budgets and monthly token budgets) or a UTC day
 * (`2026-11-22`, daily token budgets).
 */
export function isBudgetPeriod(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (MONTH.test(value)) return true;
  return DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value); // no 2026-02-30
}

/** The month of `date`, UTC: `2026-11`. */
export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** When a period ends, in epoch seconds: the first instant of the next month or day, UTC. */
export function periodEndSeconds(period: string): number {
  const month = MONTH.exec(period);
  if (month) return Date.UTC(Number(month[1]), Number(month[2]), 1) / 1000;
  const day = DAY.exec(period);
  if (day) return Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + 1) / 1000;
  throw new Error(`Not a budget period: ${period}`);
}

/**
 * The detail of a `Token budget exceeded` event: an app used more tokens than its budget allows in a
 * period. `eventId` identifies the breach (the proxy may retry a put); the throttle function is
 * idempotent anyway, because it applies states, not deltas.
 */
export const tokenBudgetExceededSchema = z.object({
  eventId: z.string().check(z.minLength(1), z.maxLength(128)),
  tenantId: z.string().check(z.refine(isTenantId, 'must be a tenant id')),
  appId: z.string().check(z.refine(isAppId, 'must be an app id')),
  period: z.string().check(z.refine(isBudgetPeriod, 'must be a budget period: YYYY-MM-DD or YYYY-MM (UTC)')),
  tokensUsed: z.int().check(z.nonnegative()),
  tokenBudget: z.int().check(z.positive()),
  occurredAt: z.iso.datetime(),
});

/** A token-budget breach as the LLM proxy reports it. */
export type TokenBudgetExceeded = z.infer<typeof tokenBudgetExceededSchema>;

/** The state-store key of a tenant. */
export function tenantSubject(tenantId: string): string {
  return `tenant#${tenantId}`;
}

/** The state-store key of an app. */
export function appSubject(appId: string): string {
  return `app#${appId}`;
}

/**
 * The AWS Budgets name of a tenant's budget (`microplane-<env>-<tenant>`) or of one of its apps
 * (`microplane-<env>-<tenant>--<app>`). Ids are DNS labels and never contain `--`, so a name parses back
 * to exactly one tenant and app, and a tenant's budget can never take the name of another tenant's app
 * budget (`acme` + `foods` vs `acme-foods`). At most 96 characters; Budgets allows 100.
 */
export function budgetName(environmentName: string, tenantId: string, appId?: string): string {
  return `microplane-${environmentName}-${tenantId}${appId ? `--${appId}` : ''}`;
}

/** The tenant and app a budget name of this environment belongs to; `undefined` for any other name. */
export function parseBudgetName(environmentName: string, name: string): { tenantId: string; appId?: string } | undefined {
  const prefix = `microplane-${environmentName}-`;
  if (!name.startsWith(prefix)) return undefined;
  const [tenantId, appId, ...rest] = name.slice(prefix.length).split('--');
  if (rest.length > 0 || !isTenantId(tenantId)) return undefined;
  if (appId === undefined) return { tenantId };
  return isAppId(appId) ? { tenantId, appId } : undefined;
}

/** What crossing one threshold of a budget does. */
const budgetPolicyThresholdSchema = z.object({
  percent: z.number().check(z.positive()),
  notification: z.enum(['actual', 'forecasted']),
  action: z.enum(['notify', 'throttle', 'block']),
});

/** A threshold of a budget policy. */
export type BudgetPolicyThreshold = z.infer<typeof budgetPolicyThresholdSchema>;

/**
 * The budget policy of one tenant, written by its stack to {@link budgetPolicyParameterName}: for each
 * of its budgets (by name), the subject it throttles and what each threshold does. The throttle function
 * reads it, so onboarding a tenant or changing its thresholds never changes the platform stack.
 */
export const budgetPolicySchema = z.object({
  tenantId: z.string(),
  budgets: z.record(
    z.string(),
    z.object({
      subject: z.string(),
      monthlyLimitUsd: z.number(),
      thresholds: z.array(budgetPolicyThresholdSchema),
    }),
  ),
});

/** The budget policy of one tenant. */
export type BudgetPolicy = z.infer<typeof budgetPolicySchema>;

/** The SSM parameter holding a tenant's budget policy: `/microplane/<env>/budgets/<tenant>`. */
export function budgetPolicyParameterName(environmentName: string, tenantId: string): string {
  return `${budgetPolicyPrefix(environmentName)}${tenantId}`;
}

/** The prefix of every budget policy parameter of an environment. */
export function budgetPolicyPrefix(environmentName: string): string {
  return `/microplane/${environmentName}/budgets/`;
}

/** Where {@link throttledUsageKeyValue} puts the tenant id; the authorizer fills it in. */
export const TENANT_ID_PLACEHOLDER = '{tenantId}';

/**
 * The value of a tenant's throttled API key, on the `throttled` usage plan. Like an app's usage key it
 * only identifies usage (API Gateway reads it from the authorizer's answer, never from a caller), so it
 * is derived from the ids; unique per region, hence the environment.
 */
export function throttledUsageKeyValue(environmentName: string, tenantId: string): string {
  return `microplane-${environmentName}-${tenantId}-throttled`;
}

/** The throttle function's name, which `npm run throttle` invokes: `microplane-<env>-throttle`. */
export function throttleFunctionName(environmentName: string): string {
  return `microplane-${environmentName}-throttle`;
}
