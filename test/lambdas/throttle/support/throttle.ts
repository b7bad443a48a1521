import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { BudgetPolicy } from '../../../../lambdas/shared/budget-events';
import { captureLogs } from '../../support/aws';
import { FakeTable } from './fake-table';

/** The environment the CDK gives the throttle function, with test values. */
export const THROTTLE_ENV = {
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: 'Microplane',
  ENVIRONMENT_NAME: 'dev',
  BUDGET_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:microplane-dev-budgets',
  THROTTLE_TABLE_NAME: 'microplane-dev-throttle-state',
};

/** Acme's budget policy as its tenant stack publishes it: a tenant budget and one app budget. */
export const ACME_POLICY: BudgetPolicy = {
  tenantId: 'acme-foods',
  budgets: {
    'microplane-dev-acme-foods': {
      subject: 'tenant#acme-foods',
      monthlyLimitUsd: 500,
      thresholds: [
        { percent: 80, notification: 'forecasted', action: 'notify' },
        { percent: 100, notification: 'actual', action: 'throttle' },
        { percent: 120, notification: 'actual', action: 'block' },
      ],
    },
    'microplane-dev-acme-foods--purchasing-assistant': {
      subject: 'app#purchasing-assistant',
      monthlyLimitUsd: 150,
      thresholds: [
        { percent: 90, notification: 'forecasted', action: 'notify' },
        { percent: 100, notification: 'actual', action: 'throttle' },
      ],
    },
  },
};

/** A clock the test moves. */
export class TestClock {
  constructor(public current = new Date('2026-11-20T10:00:00Z')) {}
  public readonly now = (): Date => new Date(this.current);
  public set(iso: string): void {
    this.current = new Date(iso);
  }
}

interface BudgetMessage {
  readonly budgetName: string;
  readonly type?: 'ACTUAL' | 'FORECASTED';
  readonly budgeted?: string;
  readonly threshold?: string;
  readonly amount?: string;
  readonly date?: string;
  readonly lineEnding?: string;
}

/** The text AWS Budgets publishes for a threshold, as received in real notifications. */
export function budgetText(message: BudgetMessage): string {
  const type = message.type ?? 'ACTUAL';
  const budgeted = message.budgeted ?? '$500.00';
  const threshold = message.threshold ?? '$500.00';
  const amount = message.amount ?? '$512.34';
  return [
    `AWS Budget Notification ${message.date ?? 'November 20, 2026'}`,
    'AWS Account 123456789012',
    '',
    'Dear AWS Customer,',
    '',
    `You requested that we alert you when the ${type} Cost associated with your ${message.budgetName} budget is greater than ${threshold} for the current month. The ${type} Cost associated with this budget is ${amount}. You can find additional details below and by accessing the AWS Budgets dashboard [1].`,
    '',
    `Budget Name: ${message.budgetName}`,
    'Budget Type: Cost',
    `Budgeted Amount: ${budgeted}`,
    `Alert Type: ${type}`,
    `Alert Threshold: > ${threshold}`,
    `${type} Amount: ${amount}`,
    '',
    '[1] https://console.aws.amazon.com/billing/home#/budgets',
    '',
  ].join(message.lineEnding ?? '\n');
}

/** What SNS hands the function for one message. */
export function snsEvent(message: string, options: { timestamp?: string; topicArn?: string; messageId?: string } = {}): SNSEvent {
  const topicArn = options.topicArn ?? THROTTLE_ENV.BUDGET_TOPIC_ARN;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: `${topicArn}:2f6f7f8e-1111-2222-3333-444455556666`,
        Sns: {
          Type: 'Notification',
          MessageId: options.messageId ?? '0afa48ef-db9f-5b07-9359-149237adeae5',
          TopicArn: topicArn,
          Subject: 'AWS Budgets: microplane-dev-acme-foods has exceeded your alert threshold',
          Message: message,
          Timestamp: options.timestamp ?? '2026-11-20T10:00:00.000Z',
          SignatureVersion: '1',
          Signature: 'EXAMPLE',
          SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-example.pem',
          UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/** A notification of Acme's tenant budget crossing `percent` % of $500 (actual unless forecasted). */
export function acmeNotification(percent: number, options: { type?: 'ACTUAL' | 'FORECASTED'; timestamp?: string } = {}): SNSEvent {
  const threshold = `$${((500 * percent) / 100).toFixed(2)}`;
  return snsEvent(budgetText({ budgetName: 'microplane-dev-acme-foods', type: options.type, threshold }), { timestamp: options.timestamp });
}

/** An EventBridge `Token budget exceeded` event. */
export function tokenBudgetEvent(detail: Record<string, unknown>) {
  return {
    version: '0',
    id: 'e6f1c0a2-0000-4000-8000-000000000001',
    'detail-type': 'Token budget exceeded',
    source: 'microplane.llm-proxy',
    account: '123456789012',
    time: '2026-11-20T10:00:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: {
      eventId: 'breach-0001',
      tenantId: 'acme-foods',
      appId: 'where2eat',
      period: '2026-11-20',
      tokensUsed: 120_500,
      tokenBudget: 100_000,
      occurredAt: '2026-11-20T09:59:58Z',
      ...detail,
    },
  };
}

type ThrottleModule = typeof import('../../../../lambdas/throttle/handler');
type StoreModule = typeof import('../../../../lambdas/throttle/state-store');

/** The real handler over an in-memory table that honours its conditions, with a movable clock. */
export function throttleHarness(policies: Record<string, unknown> = { 'acme-foods': ACME_POLICY }) {
  Object.assign(process.env, THROTTLE_ENV);
  const dynamodb = mockClient(DynamoDBClient);
  const table = new FakeTable(THROTTLE_ENV.THROTTLE_TABLE_NAME);
  table.install(dynamodb);
  const clock = new TestClock();
  const logs = captureLogs();
  const { createThrottleHandler } = require('../../../../lambdas/throttle/handler') as ThrottleModule;
  const { ThrottleStateStore } = require('../../../../lambdas/throttle/state-store') as StoreModule;
  const store = new ThrottleStateStore(new DynamoDBClient({ region: 'eu-west-1' }), THROTTLE_ENV.THROTTLE_TABLE_NAME, clock.now);
  const handler = createThrottleHandler({
    environmentName: 'dev',
    budgetTopicArn: THROTTLE_ENV.BUDGET_TOPIC_ARN,
    store,
    loadPolicy: async (tenantId) => policies[tenantId],
  });
  const invoke = (event: unknown) => handler(event, { awsRequestId: 'request-0001' });
  const auditLines = () => logs.lines().filter((line) => line.audit === true);
  const metricNames = () =>
    logs
      .lines()
      .filter((line) => '_aws' in line)
      .flatMap((line) => (line._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] }).CloudWatchMetrics[0].Metrics.map((metric) => ({ name: metric.Name, tenantId: line.tenantId, appId: line.appId })));
  const stateOf = (subject: string) => table.items.get(subject)?.state?.S ?? 'none';
  return { dynamodb, table, clock, logs, invoke, auditLines, metricNames, stateOf, store };
}
