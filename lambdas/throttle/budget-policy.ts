import { budgetPolicySchema, parseBudgetName, type BudgetPolicy, type BudgetPolicyThreshold } from '../shared/budget-events';
import type { BudgetNotification } from './budget-notification';

/** Reads a tenant's budget policy (the JSON of its SSM parameter); `undefined` when it has none. */
export type PolicyLoader = (tenantId: string) => Promise<unknown>;

/** What a budget notification asks the platform to do. */
export interface BudgetDecision {
  /** `tenant#<id>` or `app#<id>`. */
  readonly subject: string;
  readonly tenantId: string;
  readonly appId?: string;
  /** The threshold of the policy the notification matched. */
  readonly threshold: BudgetPolicyThreshold;
}

/** A budget notification the policy cannot account for: a deployment or config problem, never ignored. */
export class BudgetPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetPolicyError';
  }
}

/**
 * How far the threshold in a notification may be from a configured one: Budgets prints amounts rounded to
 * cents, so 80 % of $333.33 reads $266.66.
 */
const CENT = 0.01;

/**
 * The subject and threshold a notification of this environment's budget `notification.budgetName`
 * stands for, from the budget policy its tenant's stack published. `undefined` for a budget that is not
 * this environment's (another environment sharing the account publishes to its own topic).
 */
export async function decideBudget(environmentName: string, notification: BudgetNotification, loadPolicy: PolicyLoader): Promise<BudgetDecision | undefined> {
  const owner = parseBudgetName(environmentName, notification.budgetName);
  if (!owner) return undefined;
  const policy = await policyOf(owner.tenantId, loadPolicy);
  const budget = policy.budgets[notification.budgetName];
  if (!budget) throw new BudgetPolicyError(`Budget ${notification.budgetName} is not in the budget policy of tenant ${owner.tenantId}`);
  return {
    subject: budget.subject,
    tenantId: owner.tenantId,
    ...(owner.appId ? { appId: owner.appId } : {}),
    threshold: matchThreshold(budget.thresholds, notification),
  };
}

async function policyOf(tenantId: string, loadPolicy: PolicyLoader): Promise<BudgetPolicy> {
  const raw = await loadPolicy(tenantId);
  if (raw === undefined) throw new BudgetPolicyError(`Tenant ${tenantId} has no budget policy parameter`);
  const parsed = budgetPolicySchema.safeParse(raw);
  if (!parsed.success || parsed.data.tenantId !== tenantId) throw new BudgetPolicyError(`The budget policy of tenant ${tenantId} is malformed`);
  return parsed.data;
}

/** The configured threshold of the notification's type nearest to the one it reports, within a cent. */
export function matchThreshold(thresholds: readonly BudgetPolicyThreshold[], notification: BudgetNotification): BudgetPolicyThreshold {
  const amountOf = (percent: number): number => (notification.budgetedAmount * percent) / 100;
  const reported = amountOf(notification.thresholdPercent);
  const candidates = thresholds
    .filter((threshold) => threshold.notification === notification.notification)
    .map((threshold) => ({ threshold, distance: Math.abs(amountOf(threshold.percent) - reported) }))
    .sort((a, b) => a.distance - b.distance);
  const nearest = candidates[0];
  if (!nearest || nearest.distance > CENT + 1e-9) {
    const configured = thresholds.filter((threshold) => threshold.notification === notification.notification).map((threshold) => `${threshold.percent} %`);
    throw new BudgetPolicyError(
      `Budget ${notification.budgetName} reported a ${notification.notification} threshold of ${notification.thresholdPercent.toFixed(2)} %, which its policy does not configure (configured: ${configured.join(', ') || 'none'})`,
    );
  }
  return nearest.threshold;
}
