import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  budgetPolicyPrefix,
  TENANT_ID_PLACEHOLDER,
  throttleFunctionName,
  throttledUsageKeyValue,
  TOKEN_BUDGET_EVENT_DETAIL_TYPE,
  TOKEN_BUDGET_EVENT_SOURCE,
} from '../../lambdas/shared/budget-events';
import { acknowledgeComplianceRule, nagArn } from '../nag-ids';
import { MicroplaneFunction } from './microplane-function';

/** Properties of {@link BudgetThrottling}. */
export interface BudgetThrottlingProps {
  /** The environment name: part of the topic, table, key alias and budget names the function acts on. */
  readonly environmentName: string;
  /**
   * What happens to the key, table and log group when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the function's logs (the audit trail of every transition) are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where the alarms on function errors and on the dead-letter queue go, e.g. an SNS action on the
   * operator topic.
   * @default - the alarms only change state (visible in the console and on dashboards)
   */
  readonly alarmActions?: readonly cloudwatch.IAlarmAction[];
}

/** Failed asynchronous invocations are retried this often before they go to the dead-letter queue. */
const ASYNC_RETRIES = 2;

/**
 * The platform side of budget-triggered throttling: an SNS topic that AWS Budgets (and only Budgets of
 * this account) may publish to, encrypted with a key Budgets may use; a DynamoDB table holding each
 * tenant's and app's state (normal, throttled, blocked) for its budget period; and the `throttle`
 * function, subscribed to the topic and to the LLM proxy's token-budget breaches, and run daily at
 * 00:05 UTC to lift the states of ended periods. Asynchronous invocations are retried twice and then
 * land in an encrypted dead-letter queue; function errors and a non-empty queue raise alarms.
 *
 * Nothing here depends on which tenants exist: tenant stacks create their budgets (`TenantBudgets`)
 * pointing at the topic, and publish the budget policy the function reads.
 */
export class BudgetThrottling extends Construct {
  /** The key of the topic, table and dead-letter queue. */
  public readonly key: kms.Key;
  /** The topic every budget of the environment notifies. */
  public readonly topic: sns.Topic;
  /** The state of each tenant and app, keyed by `subject` (`tenant#<id>`, `app#<id>`). */
  public readonly table: dynamodb.Table;
  /** The throttle function. */
  public readonly function: MicroplaneFunction;
  /** Invocations that failed every retry. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Raised when the function reports errors. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /** Raised when the dead-letter queue holds a message. */
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  /** The value of a throttled tenant's usage key with `{tenantId}` in place of the id, for the authorizer. */
  public readonly throttledUsageKeyTemplate: string;

  constructor(scope: Construct, id: string, props: BudgetThrottlingProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const env = props.environmentName;
    this.throttledUsageKeyTemplate = throttledUsageKeyValue(env, TENANT_ID_PLACEHOLDER);

    this.key = new kms.Key(this, 'Key', {
      description: `Microplane ${env}: the budget topic, throttle state table and throttle dead-letter queue`,
      alias: `alias/microplane/${env}/budgets`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.admitBudgetsToKey();
    this.topic = this.createTopic(env);
    this.table = new dynamodb.Table(this, 'StateTable', {
      tableName: `microplane-${env}-throttle-state`,
      partitionKey: { name: 'subject', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.function = this.createFunction(props, removalPolicy);
    this.connectSources();
    [this.errorsAlarm, this.deadLetterAlarm] = this.createAlarms(env, props.alarmActions ?? []);
    this.acknowledgeFindings(props);
  }

  /** Lets `grantee` read single states, as the authorizer does; nothing else of the table. */
  public grantReadState(grantee: iam.IGrantable): iam.Grant {
    this.key.grantDecrypt(grantee);
    return this.table.grant(grantee, 'dynamodb:GetItem', 'dynamodb:BatchGetItem');
  }

  /** Lets `grantee` lift and query states by invoking the function, as `npm run throttle` does. */
  public grantOperate(grantee: iam.IGrantable): iam.Grant {
    return this.function.function.grantInvoke(grantee);
  }

  /** Budgets publishes to the encrypted topic with data keys of this key, for this account only. */
  private admitBudgetsToKey(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsPublishToEncryptedTopic',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
  }

  private createTopic(env: string): sns.Topic {
    const stack = Stack.of(this);
    const topic = new sns.Topic(this, 'Topic', {
      topicName: `microplane-${env}-budgets`,
      displayName: `Microplane ${env} budgets`,
      masterKey: this.key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BudgetsOfThisAccountPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'budgets', region: '', resource: '*' }) },
        },
      }),
    );
    return topic;
  }

  private createFunction(props: BudgetThrottlingProps, removalPolicy: RemovalPolicy): MicroplaneFunction {
    const stack = Stack.of(this);
    const fn = new MicroplaneFunction(this, 'Function', {
      handlerName: 'throttle',
      description: 'Throttles, blocks and lifts tenants and apps on budget notifications, token-budget breaches and operator requests',
      invokedBy: 'operators (npm run throttle: lift, status), while SNS, EventBridge and EventBridge Scheduler invoke it asynchronously into its dead-letter queue',
      timeout: Duration.minutes(1),
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
      environment: {
        ENVIRONMENT_NAME: props.environmentName,
        BUDGET_TOPIC_ARN: this.topic.topicArn,
        THROTTLE_TABLE_NAME: this.table.tableName,
      },
    });
    const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
    // A known name: operators invoke it with `npm run throttle`, and CloudTrail names it.
    cfn.functionName = throttleFunctionName(props.environmentName);
    cfn.deadLetterConfig = { targetArn: this.deadLetterQueue.queueArn };
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DeadLetters', actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    fn.function.configureAsyncInvoke({ retryAttempts: ASYNC_RETRIES, maxEventAge: Duration.hours(6) });
    this.table.grant(fn.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan');
    // What DynamoDB (table key) and SQS (dead letters) ask of a caller of a customer-managed key, no more.
    this.key.grant(fn.role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BudgetPolicies',
        actions: ['ssm:GetParameter'],
        resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${budgetPolicyPrefix(props.environmentName).replace(/^\//, '')}*` })],
      }),
    );
    return fn;
  }

  /** Budget notifications, token-budget breaches and the daily lift of ended periods. */
  private connectSources(): void {
    const fn = this.function.function;
    this.topic.addSubscription(new subscriptions.LambdaSubscription(fn));
    new events.Rule(this, 'TokenBudgetRule', {
      description: 'Token-budget breaches of the LLM proxy: throttle the app for the rest of the period',
      eventPattern: { source: [TOKEN_BUDGET_EVENT_SOURCE], detailType: [TOKEN_BUDGET_EVENT_DETAIL_TYPE] },
      targets: [new targets.LambdaFunction(fn, { retryAttempts: ASYNC_RETRIES, maxEventAge: Duration.hours(6) })],
    });
    // Daily, not monthly: token budgets may be daily, and on the 1st this also lifts the month's budgets.
    const schedulerRole = new iam.Role(this, 'PeriodLiftRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge Scheduler: invokes the throttle function to lift ended budget periods',
    });
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
      reason: 'The scheduler target grants invoking every version and alias of the throttle function, which is all this wildcard covers.',
    });
    new scheduler.Schedule(this, 'PeriodLiftSchedule', {
      description: 'Lifts every throttle and block whose budget period has ended, daily at 00:05 UTC',
      schedule: scheduler.ScheduleExpression.cron({ minute: '5', hour: '0' }),
      target: new schedulerTargets.LambdaInvoke(fn, {
        role: schedulerRole,
        input: scheduler.ScheduleTargetInput.fromObject({ action: 'lift-period' }),
        retryAttempts: ASYNC_RETRIES,
        maxEventAge: Duration.hours(6),
      }),
    });
  }

  private createAlarms(env: string, actions: readonly cloudwatch.IAlarmAction[]): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const errors = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmName: `microplane-${env}-throttle-errors`,
      alarmDescription: 'The throttle function failed: a budget notification, token-budget breach or lift may not have been applied. Read its logs; failed events reach the dead-letter queue after two retries.',
      metric: this.function.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const deadLetters = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
      alarmName: `microplane-${env}-throttle-dlq-depth`,
      alarmDescription: 'Throttle events failed every retry and wait in the dead-letter queue: fix the cause, then redrive them (transitions are idempotent).',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [errors, deadLetters]) {
      alarm.addAlarmAction(...actions);
      alarm.addOkAction(...actions);
    }
    return [errors, deadLetters];
  }

  private acknowledgeFindings(props: BudgetThrottlingProps): void {
    const stack = Stack.of(this);
    Validations.of(this.function.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ssm', `parameter${budgetPolicyPrefix(props.environmentName)}*`)}]`,
      reason: 'Each tenant stack writes its budget policy under this prefix; the function reads the policy of the tenant a notification names, and only that prefix.',
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the throttle function (its Lambda DeadLetterConfig), which cdk-nag does not recognise as a dead-letter use.',
    });
    acknowledgeComplianceRule(
      this.table,
      'DynamoDBInBackupPlan',
      'Point-in-time recovery keeps 35 days of the throttle states, which are also rebuilt by the next budget notification or token-budget breach; an AWS Backup plan would add nothing restorable.',
    );
    if ((props.alarmActions ?? []).length === 0) {
      for (const alarm of [this.errorsAlarm, this.deadLetterAlarm]) {
        acknowledgeComplianceRule(alarm, 'CloudWatchAlarmAction', 'No alarm action was configured for this environment (alarmActions): the alarm is watched on the console and dashboards until an operator topic is wired.');
      }
    }
  }
}
