import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lambdas/shared/observability';

/** The per-tenant metrics every function publishes (lambdas/shared/observability.ts) and the dashboard ranks. */
export const TENANT_METRICS = ['Requests', 'Errors', 'Denials', 'Tokens', 'Throttles'] as const;

/** A metric of {@link TENANT_METRICS}. */
export type TenantMetric = (typeof TENANT_METRICS)[number];

/** The dimensions Powertools Metrics publishes with: the service, then the caller's tenant and app. */
const METRIC_DIMENSIONS = ['appId', 'service', 'tenantId'];

/** Properties of {@link PlatformMonitoring}. */
export interface PlatformMonitoringProps {
  /** The environment name, part of the dashboard, topic and alarm names. */
  readonly environmentName: string;
  /** The gateway's REST API, whose 5xx rate is alarmed on. */
  readonly api: apigw.IRestApi;
  /** The gateway stage name the API metrics are published under. */
  readonly stageName: string;
  /** The service-token authorizer, whose errors are alarmed on. */
  readonly authorizerFunction: lambda.IFunction;
  /**
   * Share of requests answered 5xx over five minutes above which the operators are alarmed.
   * @default 0.01 (1 %)
   */
  readonly serverErrorRateThreshold?: number;
  /**
   * How many of the busiest tenants and apps each ranking widget shows.
   * @default 10
   */
  readonly topN?: number;
  /**
   * What happens to the operator topic's key when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The operators' view of an environment: a CloudWatch dashboard ranking tenants and apps by requests,
 * errors, tokens and throttles (CloudWatch Metrics Insights over the Powertools metrics, so a new tenant
 * appears without a deploy), and alarms on the 5xx rate, authorizer errors, and every function and
 * dead-letter queue registered with {@link addFunctionErrorAlarm} and {@link addDeadLetterQueueAlarm},
 * sent to an encrypted operator topic.
 */
export class PlatformMonitoring extends Construct {
  /** Where every alarm goes; subscribe the on-call rota to it. */
  public readonly operatorTopic: sns.Topic;
  /** The dashboard, `microplane-<env>`. */
  public readonly dashboard: cloudwatch.Dashboard;
  private readonly alarms: cloudwatch.IAlarm[] = [];
  private readonly alarmAction: actions.SnsAction;
  private readonly environmentName: string;

  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    this.environmentName = props.environmentName;
    this.operatorTopic = this.createOperatorTopic(props);
    this.alarmAction = new actions.SnsAction(this.operatorTopic);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `microplane-${props.environmentName}`,
      defaultInterval: Duration.hours(3),
    });
    this.addAlarm(this.serverErrorRateAlarm(props));
    this.addFunctionErrorAlarm('Authorizer', props.authorizerFunction);
    this.addWidgets(props);
  }

  /** Alarms the operators when `fn` reports any error over five minutes. */
  public addFunctionErrorAlarm(id: string, fn: lambda.IFunction): cloudwatch.Alarm {
    return this.addAlarm(new cloudwatch.Alarm(this, `${id}ErrorsAlarm`, {
      alarmName: `microplane-${this.environmentName}-${kebab(id)}-errors`,
      alarmDescription: `Function ${id} reported errors: read its logs (correlation ids) and its Errors metric per tenant.`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /**
   * Alarms the operators when a function counts a failure it survives (it answered, but something it
   * owes the platform did not happen): `metricName` in the Microplane namespace, under the function's
   * `service` dimension only.
   */
  public addServiceFailureAlarm(id: string, serviceName: string, metricName: string, description: string): cloudwatch.Alarm {
    return this.addAlarm(new cloudwatch.Alarm(this, `${id}Alarm`, {
      alarmName: `microplane-${this.environmentName}-${kebab(id)}`,
      alarmDescription: description,
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: serviceName },
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.SUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /** Alarms the operators as soon as `queue` (a dead-letter queue) holds a message. */
  public addDeadLetterQueueAlarm(id: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return this.addAlarm(new cloudwatch.Alarm(this, `${id}DepthAlarm`, {
      alarmName: `microplane-${this.environmentName}-${kebab(id)}-dlq-depth`,
      alarmDescription: `Dead-letter queue ${id} holds messages that failed every retry: inspect, fix, then redrive them.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }));
  }

  /** The alarms sent to the operator topic so far. */
  public get alarmList(): readonly cloudwatch.IAlarm[] {
    return [...this.alarms];
  }

  private addAlarm(alarm: cloudwatch.Alarm): cloudwatch.Alarm {
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
    this.alarms.push(alarm);
    return alarm;
  }

  private createOperatorTopic(props: PlatformMonitoringProps): sns.Topic {
    const key = new kms.Key(this, 'OperatorTopicKey', {
      description: `Microplane ${props.environmentName}: the operator alarm topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // CloudWatch publishes alarms to the encrypted topic, so it must be able to use the key.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    return new sns.Topic(this, 'OperatorTopic', {
      topicName: `microplane-${props.environmentName}-operators`,
      displayName: `Microplane ${props.environmentName} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
  }

  private serverErrorRateAlarm(props: PlatformMonitoringProps): cloudwatch.Alarm {
    const dimensionsMap = { ApiName: props.api.restApiName, Stage: props.stageName };
    const apiMetric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap, period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM });
    const rate = new cloudwatch.MathExpression({
      expression: 'IF(requests > 0, errors / requests, 0)',
      usingMetrics: { errors: apiMetric('5XXError'), requests: apiMetric('Count') },
      label: '5xx rate',
      period: Duration.minutes(5),
    });
    const threshold = props.serverErrorRateThreshold ?? 0.01;
    return new cloudwatch.Alarm(this, 'ServerErrorRateAlarm', {
      alarmName: `microplane-${props.environmentName}-api-5xx-rate`,
      alarmDescription: `More than ${threshold * 100} % of gateway requests answered 5xx over 10 minutes: check the access logs by tenant and the function alarms.`,
      metric: rate,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private addWidgets(props: PlatformMonitoringProps): void {
    const topN = props.topN ?? 10;
    const ranking = (metric: TenantMetric, by: 'tenantId' | 'appId') =>
      new cloudwatch.GraphWidget({
        title: `Top ${topN} ${by === 'tenantId' ? 'tenants' : 'apps'} by ${metric.toLowerCase()}`,
        width: 12,
        height: 6,
        left: [
          new cloudwatch.MathExpression({
            expression: topQuery(metric, by, topN),
            label: metric,
            period: Duration.minutes(5),
          }),
        ],
      });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 3 }),
    );
    for (const metric of ['Requests', 'Errors', 'Tokens', 'Throttles'] as const) {
      this.dashboard.addWidgets(ranking(metric, 'tenantId'), ranking(metric, 'appId'));
    }
  }
}

/** A Metrics Insights query ranking tenants or apps by one metric, across every function. */
export function topQuery(metric: TenantMetric, by: 'tenantId' | 'appId', limit: number): string {
  return `SELECT SUM(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", ${METRIC_DIMENSIONS.join(', ')}) GROUP BY ${by} ORDER BY SUM() DESC LIMIT ${limit}`;
}

function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
