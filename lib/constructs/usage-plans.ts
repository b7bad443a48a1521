import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { THROTTLED_PLAN_NAME } from '../config/schema';

/** Throttle and quota of one tier, applied to each app on it. */
export interface UsageTier {
  /** Steady-state requests per second per app. */
  readonly rateLimit: number;
  /** Requests per app that may burst above the rate. */
  readonly burstLimit: number;
  /** Requests per app per period. */
  readonly quota: { readonly limit: number; readonly period: 'day' | 'week' | 'month' };
  /**
   * What the tier is for.
   * @default - no description
   */
  readonly description?: string;
}

/** Properties of {@link UsagePlans}. */
export interface UsagePlansProps {
  /** The tiers by name. */
  readonly tiers: Readonly<Record<string, UsageTier>>;
  /** The API and stage the plans meter. */
  readonly api: apigw.IRestApi;
  /** The stage the plans meter. */
  readonly stage: apigw.Stage;
  /** The environment name, part of each plan's name. */
  readonly environmentName: string;
  /**
   * Limits of the `throttled` plan, to which budget throttling moves a tenant: every app of a throttled
   * tenant shares the tenant's one key on it (see `TenantBudgets`).
   * @default - no throttled plan
   */
  readonly throttledTier?: UsageTier;
}

/** The name of the plan of throttled tenants; no tier may take it. */
export const THROTTLED_PLAN = THROTTLED_PLAN_NAME;

const QUOTA_PERIODS: Record<UsageTier['quota']['period'], apigw.Period> = {
  day: apigw.Period.DAY,
  week: apigw.Period.WEEK,
  month: apigw.Period.MONTH,
};

/**
 * One API Gateway usage plan per tier. API Gateway applies a plan's throttle and quota to each API key
 * on it, and every app gets its own key (see `TenantApps`), so limits hold per app: one noisy app
 * cannot spend its neighbours' quota, unlike designs that share one key per tier.
 */
export class UsagePlans extends Construct {
  /** The plan of throttled tenants, when `throttledTier` was given. */
  public readonly throttledPlan?: apigw.IUsagePlan;
  private readonly plans = new Map<string, apigw.UsagePlan>();

  constructor(scope: Construct, id: string, props: UsagePlansProps) {
    super(scope, id);
    const names = Object.keys(props.tiers);
    if (names.length === 0) throw new Error(`UsagePlans ${this.node.path}: define at least one tier`);
    if (names.includes(THROTTLED_PLAN)) throw new Error(`UsagePlans ${this.node.path}: "${THROTTLED_PLAN}" is the plan of throttled tenants, not a tier name`);
    for (const name of names.sort()) {
      this.plans.set(name, this.createPlan(name, props.tiers[name], props));
    }
    if (props.throttledTier) {
      this.throttledPlan = this.createPlan(THROTTLED_PLAN, { description: 'Throttled tenants: budget crossed, limits per tenant until lifted', ...props.throttledTier }, props);
    }
  }

  /** The tier names, sorted. */
  public get tierNames(): string[] {
    return [...this.plans.keys()];
  }

  /** The usage plan of a tier; throws naming the tiers that exist. */
  public planFor(tier: string): apigw.IUsagePlan {
    const plan = this.plans.get(tier);
    if (!plan) throw new Error(`UsagePlans ${this.node.path} has no tier "${tier}" (has: ${this.tierNames.join(', ')})`);
    return plan;
  }

  private createPlan(name: string, tier: UsageTier, props: UsagePlansProps): apigw.UsagePlan {
    return new apigw.UsagePlan(this, name, {
      name: `microplane-${props.environmentName}-${name}`,
      description: tier.description ?? `Tier ${name}: limits per app`,
      throttle: { rateLimit: tier.rateLimit, burstLimit: tier.burstLimit },
      quota: { limit: tier.quota.limit, period: QUOTA_PERIODS[tier.quota.period] },
      apiStages: [{ api: props.api, stage: props.stage }],
    });
  }
}
