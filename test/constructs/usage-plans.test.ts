import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { UsagePlans } from '../../lib/constructs/usage-plans';

function plans() {
  const stack = new Stack();
  const api = new apigw.RestApi(stack, 'Api');
  api.root.addMethod('GET');
  const usagePlans = new UsagePlans(stack, 'UsagePlans', {
    environmentName: 'dev',
    api,
    stage: api.deploymentStage,
    tiers: {
      sandbox: { rateLimit: 2, burstLimit: 5, quota: { limit: 1000, period: 'day' } },
      premium: { rateLimit: 50, burstLimit: 100, quota: { limit: 1_000_000, period: 'month' }, description: 'Big' },
    },
  });
  return { usagePlans, template: Template.fromStack(stack) };
}

test('each tier becomes a usage plan with its throttle and quota on the stage', () => {
  const { template } = plans();
  template.resourceCountIs('AWS::ApiGateway::UsagePlan', 2);
  template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
    UsagePlanName: 'microplane-dev-sandbox',
    Throttle: { RateLimit: 2, BurstLimit: 5 },
    Quota: { Limit: 1000, Period: 'DAY' },
    ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
  });
  template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
    UsagePlanName: 'microplane-dev-premium',
    Description: 'Big',
    Quota: { Limit: 1_000_000, Period: 'MONTH' },
  });
});

test('tiers are listed sorted and an unknown tier names the ones that exist', () => {
  const { usagePlans } = plans();
  expect(usagePlans.tierNames).toEqual(['premium', 'sandbox']);
  expect(() => usagePlans.planFor('gold')).toThrow('has no tier "gold" (has: premium, sandbox)');
});
