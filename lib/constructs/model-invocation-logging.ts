import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { CONCURRENCY_REASON_METADATA } from '../aspects/function-concurrency';
import { acknowledgeComplianceRule } from '../nag-ids';

/** Properties of {@link ModelInvocationLogging}. */
export interface ModelInvocationLoggingProps {
  /** The environment name, part of the log group name. */
  readonly environmentName: string;
  /**
   * Whether the prompt and completion text of text models is logged besides each call's metadata
   * (model, caller identity, token counts, latency). Off by default: the log group is shared by every
   * tenant, and the LLM proxy already logs lineage without the text.
   * @default false
   */
  readonly textDataDelivery?: boolean;
  /**
   * How long invocation logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly retention?: logs.RetentionDays;
  /**
   * What happens to the log group when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Amazon Bedrock model-invocation logging for the account and region, into a CloudWatch log group of
 * the platform (encrypted by the platform's logs key through the `LogGroupEncryption` aspect). It is
 * an account-level setting with no CloudFormation resource, so a custom resource calls
 * `PutModelInvocationLoggingConfiguration` on create and update and deletes the configuration when the
 * construct is removed. Embedding inputs are never logged: they are tenant documents.
 */
export class ModelInvocationLogging extends Construct {
  /** Where Bedrock writes one entry per model invocation. */
  public readonly logGroup: logs.LogGroup;
  /** The role Bedrock assumes to write the entries. */
  public readonly deliveryRole: iam.Role;

  constructor(scope: Construct, id: string, props: ModelInvocationLoggingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/microplane/${props.environmentName}/bedrock/model-invocations`,
      retention: props.retention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      description: 'Amazon Bedrock writes model-invocation logs of this account to the platform log group',
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: '*' }) },
        },
      }),
    });
    this.logGroup.grantWrite(this.deliveryRole);

    const configuration = {
      service: 'Bedrock',
      action: 'putModelInvocationLoggingConfiguration',
      parameters: {
        loggingConfig: {
          cloudWatchConfig: { logGroupName: this.logGroup.logGroupName, roleArn: this.deliveryRole.roleArn },
          textDataDeliveryEnabled: props.textDataDelivery ?? false,
          imageDataDeliveryEnabled: false,
          embeddingDataDeliveryEnabled: false,
          videoDataDeliveryEnabled: false,
        },
      },
      physicalResourceId: cr.PhysicalResourceId.of(`microplane-${props.environmentName}-model-invocation-logging`),
    };
    const setting = new cr.AwsCustomResource(this, 'Setting', {
      resourceType: 'Custom::MicroplaneModelInvocationLogging',
      onCreate: configuration,
      onUpdate: configuration,
      onDelete: { service: 'Bedrock', action: 'deleteModelInvocationLoggingConfiguration' },
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['bedrock:PutModelInvocationLoggingConfiguration', 'bedrock:DeleteModelInvocationLoggingConfiguration'],
          // Account-level operations: they have no resource ARN to scope to.
          resources: ['*'],
        }),
        new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [this.deliveryRole.roleArn] }),
      ]),
    });
    // Bedrock checks that it may write to the group when the setting is made.
    setting.node.addDependency(this.logGroup, this.deliveryRole);
    Validations.of(setting).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'PutModelInvocationLoggingConfiguration and DeleteModelInvocationLoggingConfiguration act on the account\'s one Bedrock setting and support no resource ARN.',
    });
    this.explainSdkCallHandler();
  }

  /** aws-cdk-lib runs every AwsCustomResource of a stack on one singleton function it shapes itself. */
  private explainSdkCallHandler(): void {
    const handler = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_SINGLETON_ID);
    if (!(handler instanceof lambda.Function)) return;
    const cfn = handler.node.defaultChild as lambda.CfnFunction;
    const why = 'aws-cdk-lib\'s AwsCustomResource handler runs only while the platform stack deploys, to make one SDK call; CloudFormation waits for its answer';
    cfn.addMetadata(CONCURRENCY_REASON_METADATA, `${why}, so reserving concurrency would only take quota from the APIs.`);
    Validations.of(handler).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'aws-cdk-lib gives its AwsCustomResource handler the basic execution policy: it writes only its own logs.',
      },
      { id: 'cdk-validator-cfnguard::microplane_functions_traced_json_logs', reason: `${why}; aws-cdk-lib offers no tracing or log format option for it.` },
    );
    acknowledgeComplianceRule(handler, 'LambdaDLQ', `${why}: a failure fails the deployment, which is the report.`);
    acknowledgeComplianceRule(handler, 'LambdaInsideVPC', `${why}; it calls the Bedrock control plane, which the data VPC (no NAT, no Bedrock control-plane endpoint) cannot reach.`);
    acknowledgeComplianceRule(handler, 'LambdaConcurrency', `${why}.`);
  }
}

/** The construct id aws-cdk-lib gives the singleton handler of every AwsCustomResource in a stack. */
const AWS_CUSTOM_RESOURCE_SINGLETON_ID = 'AWS679f53fac002430cb0da5b7982bd2287';
