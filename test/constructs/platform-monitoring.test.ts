import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { PlatformMonitoring, topQuery } from '../../lib/constructs/platform-monitoring';

function monitoredStack() {
  const stack = new Stack(undefined, 'Monitoring', { env: { account: '123456789012', region: 'eu-west-1' } });
  const fn = (id: string) => new lambda.Function(stack, id, { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  const api = new apigw.RestApi(stack, 'Api', { restApiName: 'microplane-test', deployOptions: { stageName: 'live' } });
  api.root.addMethod('GET');
  const monitoring = new PlatformMonitoring(stack, 'Monitoring', {
    environmentName: 'test',
    api,
    stageName: 'live',
    authorizerFunction: fn('Authorizer'),
  });
  monitoring.addFunctionErrorAlarm('Throttle', fn('Throttle'));
  monitoring.addDeadLetterQueueAlarm('ThrottleDeadLetters', new sqs.Queue(stack, 'Dlq'));
  return { template: Template.fromStack(stack), monitoring };
}

const { template, monitoring } = monitoredStack();

test('every alarm notifies the operator topic when it fires and when it clears', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  expect(Object.keys(alarms)).toHaveLength(4);
  const topic = Object.keys(template.findResources('AWS::SNS::Topic'))[0];
  for (const alarm of Object.values(alarms)) {
    expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    expect(alarm.Properties.OKActions).toEqual([{ Ref: topic }]);
  }
  expect(monitoring.alarmList).toHaveLength(4);
});

test('the 5xx alarm divides 5XXError by Count of the stage', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'microplane-test-api-5xx-rate',
    Threshold: 0.01,
    ComparisonOperator: 'GreaterThanThreshold',
    Metrics: Match.arrayWith([
      Match.objectLike({ Expression: 'IF(requests > 0, errors / requests, 0)', ReturnData: true }),
      Match.objectLike({
        Id: 'errors',
        MetricStat: Match.objectLike({
          Metric: { MetricName: '5XXError', Namespace: 'AWS/ApiGateway', Dimensions: Match.arrayWith([{ Name: 'ApiName', Value: 'microplane-test' }, { Name: 'Stage', Value: 'live' }]) },
        }),
        ReturnData: false,
      }),
      Match.objectLike({ Id: 'requests', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Count' }) }) }),
    ]),
  });
});

test('authorizer and throttle function errors and dead-letter depth are alarmed on', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'microplane-test-authorizer-errors', MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 0 });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'microplane-test-throttle-errors', MetricName: 'Errors' });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    AlarmName: 'microplane-test-throttle-dead-letters-dlq-depth',
    MetricName: 'ApproximateNumberOfMessagesVisible',
    Namespace: 'AWS/SQS',
    Statistic: 'Maximum',
  });
});

test('the operator topic is encrypted with a rotated key CloudWatch may use for this account only, and refuses plain HTTP', () => {
  template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'microplane-test-operators', KmsMasterKeyId: Match.anyValue() });
  template.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Sid: 'CloudWatchAlarmsPublish',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
        }),
      ]),
    },
  });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});

test('the dashboard ranks tenants and apps by requests, errors, tokens and throttles, and shows every alarm', () => {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboard.Properties.DashboardName).toBe('microplane-test');
  const [, parts] = dashboard.Properties.DashboardBody['Fn::Join'] as [string, unknown[]];
  const body = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('')) as {
    widgets: { properties: { title: string; alarms?: string[]; metrics?: unknown[][] } }[];
  };
  const expressions = body.widgets.flatMap((widget) => widget.properties.metrics ?? []).map((metric) => (metric[0] as { expression?: string }).expression);
  for (const metric of ['Requests', 'Errors', 'Tokens', 'Throttles'] as const) {
    for (const by of ['tenantId', 'appId'] as const) expect(expressions).toContain(topQuery(metric, by, 10));
  }
  const alarmWidget = body.widgets.find((widget) => widget.properties.title === 'Alarms')!;
  expect(alarmWidget.properties.alarms).toHaveLength(4);
});

test('a ranking query groups the Powertools metric by tenant or app across every function', () => {
  expect(topQuery('Requests', 'tenantId', 5)).toBe(
    'SELECT SUM(Requests) FROM SCHEMA("Microplane", appId, service, tenantId) GROUP BY tenantId ORDER BY SUM() DESC LIMIT 5',
  );
});
