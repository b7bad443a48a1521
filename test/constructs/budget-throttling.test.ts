import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { BudgetThrottling } from '../../lib/constructs/budget-throttling';
import { Gateway } from '../../lib/constructs/gateway';
import { ServiceTokenKey } from '../../lib/constructs/service-token-key';
import { UsagePlans } from '../../lib/constructs/usage-plans';

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown; Principal?: unknown };

function throttlingStack(props: Partial<ConstructorParameters<typeof BudgetThrottling>[2]> = {}) {
  const stack = new Stack();
  const throttling = new BudgetThrottling(stack, 'BudgetThrottling', { environmentName: 'dev', ...props });
  return { stack, throttling, template: Template.fromStack(stack) };
}

const actionsOf = (statements: Statement[]): string[] => statements.flatMap((statement) => [statement.Action].flat());

/** The statements of the inline policies attached to the role of a function, by function name. */
function roleStatements(template: Template, functionName: string): Statement[] {
  const fn = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: functionName } }))[0] as { Properties: { Role: { 'Fn::GetAtt': [string, string] } } };
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const { template } = throttlingStack();
const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
const queueId = Object.keys(template.findResources('AWS::SQS::Queue'))[0];
const functionId = Object.keys(template.findResources('AWS::Lambda::Function', { Properties: { FunctionName: 'microplane-dev-throttle' } }))[0];

describe('the budget topic', () => {
  test('is encrypted with the platform\'s budgets key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'microplane-dev-budgets',
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  test('admits AWS Budgets of this account only, and TLS only', () => {
    const [policy] = Object.values(template.findResources('AWS::SNS::TopicPolicy'));
    const statements = policy.Properties.PolicyDocument.Statement as Statement[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*']] } },
        },
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toHaveLength(1);
  });

  test('its key lets Budgets make and read data keys for this account, and rotates', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'BudgetsPublishToEncryptedTopic',
            Effect: 'Allow',
            Principal: { Service: 'budgets.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/microplane/dev/budgets' });
  });

  test('delivers to the throttle function', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': [functionId, 'Arn'] } });
  });
});

describe('the state table', () => {
  test('is keyed by subject, on demand, encrypted with the budgets key and recoverable to a point in time', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'microplane-dev-throttle-state',
      KeySchema: [{ AttributeName: 'subject', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('is retained and protected from deletion by default (production)', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: Match.objectLike({ DeletionProtectionEnabled: true }) });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  test('is removed with the stack where the environment says destroy', () => {
    const dev = throttlingStack({ removalPolicy: RemovalPolicy.DESTROY }).template;
    dev.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
  });
});

describe('the throttle function', () => {
  test('is named for the operator command and knows its topic and table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'microplane-dev-throttle',
      Environment: {
        Variables: Match.objectLike({
          ENVIRONMENT_NAME: 'dev',
          BUDGET_TOPIC_ARN: { Ref: Match.stringLikeRegexp('Topic') },
          THROTTLE_TABLE_NAME: { Ref: tableId },
        }),
      },
    });
  });

  test('retries failed asynchronous invocations twice, then dead-letters them to an encrypted queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: functionId }, MaximumRetryAttempts: 2 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'microplane-dev-throttle',
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  test('receives the LLM proxy\'s token-budget breaches', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['microplane.llm-proxy'], 'detail-type': ['Token budget exceeded'] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }) })],
    });
  });

  test('lifts ended periods daily at 00:05 UTC through EventBridge Scheduler', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(5 0 * * ? *)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Input: JSON.stringify({ action: 'lift-period' }),
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 2 }),
      }),
    });
  });

  test('may update, read and scan the state table and read budget policies, and nothing broader', () => {
    const statements = roleStatements(template, 'microplane-dev-throttle');
    expect(actionsOf(statements).filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:UpdateItem']);
    expect(statements.find((statement) => actionsOf([statement]).includes('dynamodb:UpdateItem'))?.Resource).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'ssm:GetParameter',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/microplane/dev/budgets/*']] },
      }),
    );
    expect(actionsOf(statements).filter((action) => action.endsWith('*') && !action.startsWith('kms:') && !action.startsWith('xray:'))).toEqual([]);
  });
});

describe('alarms', () => {
  test('on any function error and on any message in the dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'microplane-dev-throttle-errors',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'microplane-dev-throttle-dlq-depth',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 0,
    });
  });

  test('notify the given alarm actions on alarm and on recovery', () => {
    const withTopic = new Stack();
    const topic = new sns.Topic(withTopic, 'Operators');
    new BudgetThrottling(withTopic, 'BudgetThrottling', { environmentName: 'dev', alarmActions: [new cloudwatchActions.SnsAction(topic)] });
    const alarms = Object.values(Template.fromStack(withTopic).findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [{ Ref: expect.stringMatching(/^Operators/) }], OKActions: [{ Ref: expect.stringMatching(/^Operators/) }] });
    }
  });
});

describe('readers of the state', () => {
  test('the gateway\'s authorizer may only get items of the table, and learns where it is and how long to cache', () => {
    // GIVEN
    const gatewayStack = new Stack();
    const gateway = new Gateway(gatewayStack, 'Gateway', {
      environmentName: 'dev',
      serviceTokenKey: new ServiceTokenKey(gatewayStack, 'Key', { environmentName: 'dev' }),
      appRegistryPrefix: '/microplane/dev/apps/',
    });
    gateway.addTenantRoute('GET', '/v1/whoami', new lambda.Function(gatewayStack, 'Fn', { runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') }), 'whoami.read');
    const throttling = new BudgetThrottling(gatewayStack, 'BudgetThrottling', { environmentName: 'dev' });
    // WHEN
    gateway.readThrottleStates({ table: throttling.table, throttledUsageKeyTemplate: throttling.throttledUsageKeyTemplate, stateCacheTtl: Duration.seconds(20) });
    // THEN
    const result = Template.fromStack(gatewayStack);
    const authorizer = Object.values(result.findResources('AWS::Lambda::Function')).find((fn) => fn.Properties.Environment?.Variables?.THROTTLE_TABLE_NAME);
    expect(authorizer?.Properties.Environment.Variables).toMatchObject({
      THROTTLED_USAGE_KEY_TEMPLATE: 'microplane-dev-{tenantId}-throttled',
      THROTTLE_STATE_CACHE_SECONDS: '20',
    });
    const roleId = authorizer!.Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(result.findResources('AWS::IAM::Policy'))
      .filter((policy) => policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
    expect(actionsOf(statements).filter((action) => action.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem']);
    expect(actionsOf(statements)).toContain('kms:Decrypt');
    expect(actionsOf(statements)).not.toContain('kms:Encrypt');
  });

  test('grantReadState gives single-item reads only', () => {
    const readerStack = new Stack();
    const throttling = new BudgetThrottling(readerStack, 'BudgetThrottling', { environmentName: 'dev' });
    const role = new iam.Role(readerStack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    throttling.grantReadState(role);
    const policy = Object.values(Template.fromStack(readerStack).findResources('AWS::IAM::Policy')).find((candidate) => candidate.Properties.Roles[0].Ref.startsWith('Reader'));
    expect(actionsOf(policy!.Properties.PolicyDocument.Statement).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'kms:Decrypt']);
  });
});

describe('the throttled usage plan', () => {
  test('is created from the environment\'s throttled tier, named for the environment', () => {
    const planStack = new Stack();
    const api = new apigw.RestApi(planStack, 'Api');
    api.root.addMethod('GET');
    const plans = new UsagePlans(planStack, 'UsagePlans', {
      environmentName: 'dev',
      api,
      stage: api.deploymentStage,
      tiers: { standard: { rateLimit: 10, burstLimit: 20, quota: { limit: 100_000, period: 'month' } } },
      throttledTier: { rateLimit: 1, burstLimit: 2, quota: { limit: 500, period: 'day' } },
    });
    expect(plans.throttledPlan).toBeDefined();
    expect(plans.tierNames).toEqual(['standard']);
    Template.fromStack(planStack).hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: 'microplane-dev-throttled',
      Throttle: { RateLimit: 1, BurstLimit: 2 },
      Quota: { Limit: 500, Period: 'DAY' },
    });
  });

  test('cannot be shadowed by a tier of the same name', () => {
    const planStack = new Stack();
    const api = new apigw.RestApi(planStack, 'Api');
    api.root.addMethod('GET');
    const tier = { rateLimit: 1, burstLimit: 1, quota: { limit: 1, period: 'day' as const } };
    expect(() => new UsagePlans(planStack, 'UsagePlans', { environmentName: 'dev', api, stage: api.deploymentStage, tiers: { throttled: tier } })).toThrow(
      '"throttled" is the plan of throttled tenants, not a tier name',
    );
  });
});

test('the stack has exactly one key, table, queue and topic for throttling', () => {
  for (const type of ['AWS::KMS::Key', 'AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::SNS::Topic']) template.resourceCountIs(type, 1);
});
