import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { budgetPolicySchema, parseBudgetName } from '../../lambdas/shared/budget-events';
import { DEFAULT_BUDGET_THRESHOLDS } from '../../lib/config/schema';
import { TenantBudgets } from '../../lib/constructs/tenant-budgets';
import { synthExample } from '../support/platform';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:microplane-dev-budgets';
const defaults = () => DEFAULT_BUDGET_THRESHOLDS.map((threshold) => ({ ...threshold }));

function budgetsStack(props: Partial<ConstructorParameters<typeof TenantBudgets>[2]> = {}) {
  const stack = new Stack();
  const budgets = new TenantBudgets(stack, 'Budgets', {
    tenantId: 'acme-foods',
    environmentName: 'dev',
    budget: { monthlyLimitUsd: 500, thresholds: defaults() },
    apps: [
      { id: 'where2eat' },
      { id: 'purchasing-assistant', budget: { monthlyLimitUsd: 150, thresholds: [{ percent: 100, notification: 'actual', action: 'throttle' }] } },
    ],
    budgetTopicArn: TOPIC,
    throttledUsagePlanId: 'plan-throttled',
    ...props,
  });
  return { budgets, template: Template.fromStack(stack) };
}

const { budgets, template } = budgetsStack();
const tag = (key: string, value: string) => ({ Tags: { Key: key, Values: [value], MatchOptions: ['EQUALS'] } });

describe('budgets', () => {
  test('the tenant gets a monthly cost budget over its environment and tenant cost-allocation tags', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'microplane-dev-acme-foods',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 500, Unit: 'USD' },
        Metrics: ['UnblendedCost'],
        FilterExpression: { And: [tag('microplane:environment', 'dev'), tag('microplane:tenant', 'acme-foods')] },
      },
    });
  });

  test('an app with a budget gets its own, filtered by the app tag as well', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'microplane-dev-acme-foods--purchasing-assistant',
        BudgetLimit: { Amount: 150, Unit: 'USD' },
        FilterExpression: { And: [tag('microplane:environment', 'dev'), tag('microplane:tenant', 'acme-foods'), tag('microplane:app', 'purchasing-assistant')] },
      },
    });
    expect([...budgets.budgets.keys()]).toEqual(['microplane-dev-acme-foods', 'microplane-dev-acme-foods--purchasing-assistant']);
    template.resourceCountIs('AWS::Budgets::Budget', 2);
  });

  test('every threshold notifies the platform\'s budget topic, actual or forecasted, as a percentage', () => {
    const [tenantBudget] = Object.values(template.findResources('AWS::Budgets::Budget', { Properties: { Budget: { BudgetName: 'microplane-dev-acme-foods' } } }));
    expect(tenantBudget.Properties.NotificationsWithSubscribers).toEqual(
      [
        ['FORECASTED', 80],
        ['ACTUAL', 100],
        ['ACTUAL', 120],
      ].map(([type, threshold]) => ({
        Notification: { NotificationType: type, ComparisonOperator: 'GREATER_THAN', Threshold: threshold, ThresholdType: 'PERCENTAGE' },
        Subscribers: [{ SubscriptionType: 'SNS', Address: TOPIC }],
      })),
    );
  });

  test('budget names parse back to their tenant and app', () => {
    expect([...budgets.budgets.keys()].map((name) => parseBudgetName('dev', name))).toEqual([
      { tenantId: 'acme-foods' },
      { tenantId: 'acme-foods', appId: 'purchasing-assistant' },
    ]);
  });
});

describe('the budget policy', () => {
  test('tells the throttle function, per budget, whom it throttles and what each threshold does', () => {
    const [parameter] = Object.values(template.findResources('AWS::SSM::Parameter'));
    expect(parameter.Properties.Name).toBe('/microplane/dev/budgets/acme-foods');
    const policy = budgetPolicySchema.parse(JSON.parse(parameter.Properties.Value));
    expect(policy).toEqual({
      tenantId: 'acme-foods',
      budgets: {
        'microplane-dev-acme-foods': { subject: 'tenant#acme-foods', monthlyLimitUsd: 500, thresholds: defaults() },
        'microplane-dev-acme-foods--purchasing-assistant': {
          subject: 'app#purchasing-assistant',
          monthlyLimitUsd: 150,
          thresholds: [{ percent: 100, notification: 'actual', action: 'throttle' }],
        },
      },
    });
  });

  test('a tenant without any budget writes no policy and creates no budget', () => {
    const none = budgetsStack({ budget: undefined, apps: [{ id: 'where2eat' }] }).template;
    none.resourceCountIs('AWS::Budgets::Budget', 0);
    none.resourceCountIs('AWS::SSM::Parameter', 0);
  });
});

describe('the throttled usage key', () => {
  test('is one key per tenant on the throttled plan, with the value the authorizer derives', () => {
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    template.hasResourceProperties('AWS::ApiGateway::ApiKey', { Name: 'microplane-dev-acme-foods-throttled', Value: 'microplane-dev-acme-foods-throttled', Enabled: true });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyType: 'API_KEY', UsagePlanId: 'plan-throttled', KeyId: { Ref: Stack.of(budgets).getLogicalId(budgets.throttledKey) } });
  });

  test('exists for a tenant without budgets too: token-budget breaches throttle any app', () => {
    budgetsStack({ budget: undefined, apps: [] }).template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
  });
});

describe('in the example\'s tenant stacks', () => {
  const { stacks } = synthExample('dev');
  const stackTemplate = Template.fromStack(stacks.tenants.get('acme-foods')!);

  test('budgets notify the topic and keys join the plan that the platform publishes in SSM', () => {
    const parameters = stackTemplate.toJSON().Parameters as Record<string, { Default?: string }>;
    const defaultsOf = Object.values(parameters).map((parameter) => parameter.Default);
    expect(defaultsOf).toEqual(expect.arrayContaining(['/microplane/dev/platform/budgets/topic-arn', '/microplane/dev/platform/usage-plans/throttled']));
  });

  test('budgets carry the tenant\'s tags like every other tenant resource, and an app budget its app\'s', () => {
    const tagsOf = (name: string) =>
      Object.values(stackTemplate.findResources('AWS::Budgets::Budget', { Properties: { Budget: { BudgetName: name } } }))[0].Properties.ResourceTags;
    expect(tagsOf('microplane-dev-acme-foods')).toEqual(expect.arrayContaining([{ Key: 'microplane:tenant', Value: 'acme-foods' }, { Key: 'microplane:environment', Value: 'dev' }]));
    expect(tagsOf('microplane-dev-acme-foods--purchasing-assistant')).toEqual(expect.arrayContaining([{ Key: 'microplane:app', Value: 'purchasing-assistant' }]));
  });

  test('a tenant without budgets reads no budget topic from SSM', () => {
    const globex = stacks.tenants.get('globex-hr')!;
    const defaultsOf = Object.values(Template.fromStack(globex).toJSON().Parameters as Record<string, { Default?: string }>).map((parameter) => parameter.Default);
    expect(defaultsOf).not.toContain('/microplane/dev/platform/budgets/topic-arn');
    expect(defaultsOf).toContain('/microplane/dev/platform/usage-plans/throttled');
  });
});
