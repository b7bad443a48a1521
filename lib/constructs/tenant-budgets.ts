import { Stack, Tags } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  appSubject,
  budgetName,
  budgetPolicyParameterName,
  tenantSubject,
  throttledUsageKeyValue,
  type BudgetPolicy,
} from '../../lambdas/shared/budget-events';
import { RESOURCE_TAG_KEYS } from '../aspects/resource-tags';
import { BudgetConfig } from '../config/schema';

/** An app of the tenant, as far as budgets care. */
export interface BudgetedApp {
  /** The app id. */
  readonly id: string;
  /**
   * The app's own monthly budget.
   * @default - none: the app counts only towards its tenant's budget
   */
  readonly budget?: BudgetConfig;
}

/** Properties of {@link TenantBudgets}. */
export interface TenantBudgetsProps {
  /** The tenant. */
  readonly tenantId: string;
  /** The environment name, part of budget, key and parameter names. */
  readonly environmentName: string;
  /**
   * The tenant's monthly budget.
   * @default - no tenant budget
   */
  readonly budget?: BudgetConfig;
  /**
   * The tenant's apps; those with a budget get their own.
   * @default - none
   */
  readonly apps?: readonly BudgetedApp[];
  /**
   * The platform's budget topic, which every budget notifies (`BudgetThrottling.topic`).
   * @default - none; required when the tenant or one of its apps has a budget
   */
  readonly budgetTopicArn?: string;
  /** The id of the platform's `throttled` usage plan. */
  readonly throttledUsagePlanId: string;
}

/** The metric AWS Budgets measures: what the bill shows before discounts are spread. */
const BUDGET_METRIC = 'UnblendedCost';

/**
 * The tenant side of budget-triggered throttling:
 *
 * - one AWS Budget (monthly cost, USD) for the tenant and one per app with a budget, filtered by the
 *   platform's cost-allocation tags (environment and tenant, and app), with a notification per
 *   threshold to the platform's budget topic;
 * - the tenant's budget policy in SSM (`/microplane/<env>/budgets/<tenant>`): what each threshold of each
 *   budget does, read by the throttle function, so the platform stack never changes for a tenant;
 * - the tenant's throttled usage key on the `throttled` plan, which the authorizer presents for every app
 *   of the tenant while it is throttled. One per tenant, not per app: a tenant stack holds up to a
 *   hundred apps of four resources each and must stay below CloudFormation's 500.
 */
export class TenantBudgets extends Construct {
  /** The throttled usage key. */
  public readonly throttledKey: apigw.CfnApiKey;
  /** The budgets by name. */
  public readonly budgets: ReadonlyMap<string, budgets.CfnBudget>;
  /** The budget policy parameter, when the tenant or an app has a budget. */
  public readonly policyParameter?: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: TenantBudgetsProps) {
    super(scope, id);
    this.throttledKey = new apigw.CfnApiKey(this, 'ThrottledKey', {
      name: throttledUsageKeyValue(props.environmentName, props.tenantId),
      description: `Usage identifier of every app of tenant ${props.tenantId} while a budget throttles it; the authorizer presents it, callers never hold it`,
      enabled: true,
      value: throttledUsageKeyValue(props.environmentName, props.tenantId),
    });
    new apigw.CfnUsagePlanKey(this, 'ThrottledPlanKey', {
      keyId: this.throttledKey.ref,
      keyType: 'API_KEY',
      usagePlanId: props.throttledUsagePlanId,
    });

    const created = new Map<string, budgets.CfnBudget>();
    const policy: BudgetPolicy = { tenantId: props.tenantId, budgets: {} };
    const add = (scopeOfBudget: Construct, budget: BudgetConfig, appId?: string) => {
      if (!props.budgetTopicArn) throw new Error(`TenantBudgets ${this.node.path}: tenant ${props.tenantId} has budgets, so budgetTopicArn is required`);
      const name = budgetName(props.environmentName, props.tenantId, appId);
      created.set(name, this.createBudget(scopeOfBudget, name, budget, { ...props, budgetTopicArn: props.budgetTopicArn }, appId));
      policy.budgets[name] = {
        subject: appId ? appSubject(appId) : tenantSubject(props.tenantId),
        monthlyLimitUsd: budget.monthlyLimitUsd,
        thresholds: budget.thresholds.map((threshold) => ({ ...threshold })),
      };
    };
    if (props.budget) add(this, props.budget);
    for (const app of props.apps ?? []) {
      if (!app.budget) continue;
      const appScope = new Construct(this, app.id);
      Tags.of(appScope).add(RESOURCE_TAG_KEYS.app, app.id);
      add(appScope, app.budget, app.id);
    }
    this.budgets = created;
    if (created.size > 0) {
      this.policyParameter = new ssm.StringParameter(this, 'Policy', {
        parameterName: budgetPolicyParameterName(props.environmentName, props.tenantId),
        description: `Microplane budget policy of tenant ${props.tenantId}: what each budget threshold does, read by the throttle function`,
        stringValue: Stack.of(this).toJsonString(policy),
        tier: ssm.ParameterTier.STANDARD,
      });
    }
  }

  private createBudget(scope: Construct, name: string, budget: BudgetConfig, props: TenantBudgetsProps & { budgetTopicArn: string }, appId?: string): budgets.CfnBudget {
    const tag = (key: string, value: string): budgets.CfnBudget.ExpressionProperty => ({ tags: { key, values: [value], matchOptions: ['EQUALS'] } });
    const filters = [
      tag(RESOURCE_TAG_KEYS.environment, props.environmentName),
      tag(RESOURCE_TAG_KEYS.tenant, props.tenantId),
      ...(appId ? [tag(RESOURCE_TAG_KEYS.app, appId)] : []),
    ];
    return new budgets.CfnBudget(scope, 'Budget', {
      budget: {
        budgetName: name,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: budget.monthlyLimitUsd, unit: 'USD' },
        // FilterExpression (with Metrics) rather than the older CostFilters: only an expression can AND
        // tags, and without the environment tag a tenant in dev and prod of one account would count twice.
        filterExpression: { and: filters },
        metrics: [BUDGET_METRIC],
      },
      notificationsWithSubscribers: budget.thresholds.map((threshold) => ({
        notification: {
          notificationType: threshold.notification === 'actual' ? 'ACTUAL' : 'FORECASTED',
          comparisonOperator: 'GREATER_THAN',
          threshold: threshold.percent,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [{ subscriptionType: 'SNS', address: props.budgetTopicArn }],
      })),
    });
  }
}
