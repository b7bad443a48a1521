import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PlatformScope } from '../config/scopes';
import { acknowledgeComplianceRule, nagArn } from '../nag-ids';
import { documentsSweeperRoleName, tenantRoleName } from '../platform-parameters';
import { Gateway } from './gateway';
import { MicroplaneFunction } from './microplane-function';
import { PlatformNetwork, VectorSearchEndpoint } from './platform-network';


/** SQS's largest message: a queued document travels inside its job, compressed and encrypted. */
const INGEST_QUEUE_MAX_MESSAGE_BYTES = 1_048_576;
/** How documents are embedded, chunked and kept; passed to the functions as environment variables. */
export interface DocumentsPipelineSettings {
  /** The Amazon Bedrock model that embeds chunks and queries; the only model the functions may invoke. */
  readonly embeddingModelId: string;
  /** Length of the embedding vectors; must match the tenant indexes. */
  readonly embeddingDimensions: number;
  /** Documents up to this many bytes are embedded within the request; larger ones go through the queue. */
  readonly syncIngestMaxBytes: number;
  /** Characters per chunk. */
  readonly chunkCharacters: number;
  /** Characters each chunk repeats from the previous one. */
  readonly chunkOverlapCharacters: number;
  /** Days a document is kept when its ingest request names no TTL. */
  readonly defaultTtlDays: number;
  /** Longest TTL an ingest request may ask for, in days. */
  readonly maxTtlDays: number;
}

/** Properties of {@link DocumentsApi}. */
export interface DocumentsApiProps {
  /** The gateway the routes are added to. */
  readonly gateway: Gateway;
  /** The environment name, part of role, key alias and parameter names. */
  readonly environmentName: string;
  /**
   * The role tenant API functions run as; the documents function runs as it too. It reaches tenant
   * data only with credentials exchanged for the caller's service token.
   */
  readonly tenantFunctionsRole: iam.IRole;
  /** The data network: the functions run in its subnets and reach AWS APIs through its endpoints. */
  readonly network: PlatformNetwork;
  /** The OpenSearch Serverless VPC endpoint the functions reach the collections through. */
  readonly vectorSearchEndpoint: VectorSearchEndpoint;
  /** SSM prefix of the vector registry (`/microplane/<env>/vectors/`), one entry per tenant. */
  readonly vectorRegistryPrefix: string;
  /** Embedding, chunking and TTL settings. */
  readonly pipeline: DocumentsPipelineSettings;
  /**
   * Most queue-worker invocations at once; bounds the Bedrock request rate of large ingests.
   * @default 5
   */
  readonly workerMaxConcurrency?: number;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to log groups and the queue key when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The document routes and the scope each requires; all served by the documents function. */
const DOCUMENT_ROUTES: ReadonlyArray<[string, string, PlatformScope]> = [
  ['POST', '/v1/documents', 'documents.write'],
  ['GET', '/v1/documents/{id}', 'documents.read'],
  ['DELETE', '/v1/documents/{id}', 'documents.write'],
  ['POST', '/v1/documents/purge', 'documents.write'],
  ['POST', '/v1/search', 'documents.read'],
];

/** AWS APIs the functions call from inside the data network, which has no route to the internet. */
const SERVICE_ENDPOINTS = [
  ec2.InterfaceVpcEndpointAwsService.STS, // tenant credentials for the caller's service token
  ec2.InterfaceVpcEndpointAwsService.SSM, // the vector registry
  ec2.InterfaceVpcEndpointAwsService.KMS, // envelope encryption under the tenant key
  ec2.InterfaceVpcEndpointAwsService.BEDROCK_RUNTIME, // embeddings
  ec2.InterfaceVpcEndpointAwsService.SQS, // the ingest queue
  ec2.InterfaceVpcEndpointAwsService.XRAY, // traces
];

/** What a Lambda function's role needs to place the function in a VPC (AWSLambdaVPCAccessExecutionRole). */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** Longest run of one queue job; the queue hides a message a little longer, so a job is never run twice at once. */
const WORKER_TIMEOUT = Duration.minutes(2);
/** A job fails into the dead-letter queue after this many attempts. */
const MAX_RECEIVES = 3;

/**
 * The documents pipeline: `POST /v1/documents`, `GET|DELETE /v1/documents/{id}`,
 * `POST /v1/documents/purge` and `POST /v1/search` on one function, a KMS-encrypted ingest queue (with a
 * dead-letter queue) drained by a worker for documents too large to embed within a request, and an
 * hourly sweeper that deletes documents past their TTL.
 *
 * The functions run in the data network, the only network path to the collections, and reach AWS APIs
 * through interface endpoints. Their own roles may read the vector registry, invoke the one embedding
 * model and use the queue; tenant data they reach only with tenant credentials exchanged for the
 * caller's service token (the sweeper, admitted by every tenant's data access policy, sees ciphertext
 * only).
 */
export class DocumentsApi extends Construct {
  /** `POST/GET/DELETE /v1/documents…` and `POST /v1/search`. */
  public readonly documentsFunction: MicroplaneFunction;
  /** Embeds and stores queued documents. */
  public readonly workerFunction: MicroplaneFunction;
  /** Deletes expired documents, hourly. */
  public readonly sweeperFunction: MicroplaneFunction;
  /** The sweeper's role, which tenant data access policies admit by name. */
  public readonly sweeperRole: iam.Role;
  /** Queue of documents too large to embed within a request. */
  public readonly ingestQueue: sqs.Queue;
  /** Jobs that failed three times. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The key of both queues. */
  public readonly queueKey: kms.Key;
  /** The security group of the three functions; it may only reach the endpoints. */
  public readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DocumentsApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const common = { logRetention: props.logRetention, removalPolicy };
    this.securityGroup = this.createSecurityGroup(props);

    [this.queueKey, this.deadLetterQueue, this.ingestQueue] = this.createQueues(props.environmentName, removalPolicy);

    const registry = { VECTOR_REGISTRY_PARAMETER_PREFIX: props.vectorRegistryPrefix };
    const pipeline = {
      ...registry,
      TENANT_ROLE_ARN_TEMPLATE: stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: tenantRoleName(props.environmentName, '{tenantId}') }),
      EMBEDDING_MODEL_ID: props.pipeline.embeddingModelId,
      EMBEDDING_DIMENSIONS: String(props.pipeline.embeddingDimensions),
      CHUNK_CHARACTERS: String(props.pipeline.chunkCharacters),
      CHUNK_OVERLAP_CHARACTERS: String(props.pipeline.chunkOverlapCharacters),
    };
    this.documentsFunction = new MicroplaneFunction(this, 'Documents', {
      ...common,
      handlerName: 'documents',
      description: 'Ingests, searches and deletes tenant documents: /v1/documents and /v1/search',
      role: props.tenantFunctionsRole,
      memorySize: 1024,
      timeout: Duration.seconds(29),
      environment: {
        ...pipeline,
        INGEST_QUEUE_URL: this.ingestQueue.queueUrl,
        SYNC_INGEST_MAX_BYTES: String(props.pipeline.syncIngestMaxBytes),
        DOCUMENT_DEFAULT_TTL_DAYS: String(props.pipeline.defaultTtlDays),
        DOCUMENT_MAX_TTL_DAYS: String(props.pipeline.maxTtlDays),
        INGEST_QUEUE_MAX_MESSAGE_BYTES: String(INGEST_QUEUE_MAX_MESSAGE_BYTES),
      },
    });
    this.workerFunction = new MicroplaneFunction(this, 'Worker', {
      ...common,
      handlerName: 'documents-worker',
      description: 'Embeds and stores documents from the ingest queue, as the tenant named by the job\'s service token',
      invokedBy: 'the ingest queue\'s event source mapping, which polls SQS and returns failed jobs to the queue and, after three attempts, to its dead-letter queue',
      memorySize: 1024,
      timeout: WORKER_TIMEOUT,
      environment: pipeline,
    });
    this.sweeperRole = new iam.Role(this, 'SweeperRole', {
      roleName: documentsSweeperRoleName(props.environmentName),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deletes documents past their TTL; tenant data access policies admit it to read and delete documents, and it has no tenant key',
    });
    this.sweeperFunction = new MicroplaneFunction(this, 'Sweeper', {
      ...common,
      handlerName: 'documents-sweeper',
      description: 'Deletes documents past their TTL from every tenant index, hourly',
      role: this.sweeperRole,
      invokedBy: 'an hourly EventBridge rule',
      timeout: Duration.minutes(5),
      environment: registry,
    });

    for (const fn of [this.documentsFunction, this.workerFunction, this.sweeperFunction]) this.placeInDataNetwork(fn, props.network);
    this.grantPipeline(this.documentsFunction.role, props);
    this.grantPipeline(this.workerFunction.role, props);
    this.allowSendThroughKeyPolicy(props.tenantFunctionsRole);
    this.documentsFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'IngestQueue', actions: ['sqs:SendMessage'], resources: [this.ingestQueue.queueArn] }),
    );
    this.workerFunction.function.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: props.workerMaxConcurrency ?? 5,
      }),
    );
    this.grantSweeper(props);
    new events.Rule(this, 'SweeperSchedule', {
      description: 'Deletes documents past their TTL, hourly',
      schedule: events.Schedule.rate(Duration.hours(1)),
      targets: [new targets.LambdaFunction(this.sweeperFunction.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
    for (const [method, path, scope] of DOCUMENT_ROUTES) {
      props.gateway.addTenantRoute(method, path, this.documentsFunction.function, scope);
    }
    this.acknowledgeFindings(props);
  }

  /** The queue key, the dead-letter queue and the ingest queue. */
  private createQueues(environmentName: string, removalPolicy: RemovalPolicy): [kms.Key, sqs.Queue, sqs.Queue] {
    const key = new kms.Key(this, 'QueueKey', {
      description: `Microplane ${environmentName}: the documents ingest queue and its dead-letter queue`,
      alias: `alias/microplane/${environmentName}/documents-queue`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    const deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
    });
    const ingestQueue = new sqs.Queue(this, 'IngestQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      // Jobs carry a service token that lives at most 15 minutes: older jobs could never run.
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: WORKER_TIMEOUT.plus(Duration.seconds(30)),
      // SQS's largest message: a queued document travels inside its job, compressed and sealed.
      maxMessageSizeBytes: INGEST_QUEUE_MAX_MESSAGE_BYTES,
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
    });
    return [key, deadLetterQueue, ingestQueue];
  }

  /** One group for the three functions: HTTPS to the endpoints they use, nothing else in or out. */
  private createSecurityGroup(props: DocumentsApiProps): ec2.SecurityGroup {
    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: 'Documents functions: HTTPS to the OpenSearch Serverless and AWS API endpoints only',
      allowAllOutbound: false,
    });
    props.vectorSearchEndpoint.connections.allowDefaultPortFrom(securityGroup, 'Documents functions');
    for (const service of SERVICE_ENDPOINTS) {
      props.network.serviceEndpoint(service).connections.allowDefaultPortFrom(securityGroup, 'Documents functions');
    }
    return securityGroup;
  }

  /**
   * Runs `fn` in the data subnets with the documents security group. MicroplaneFunction has no VPC
   * setting, so this sets the function's VpcConfig and gives its role what Lambda needs for the network
   * interfaces, before the function is created.
   */
  private placeInDataNetwork(fn: MicroplaneFunction, network: PlatformNetwork): void {
    const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = { subnetIds: network.dataSubnetIds, securityGroupIds: [this.securityGroup.securityGroupId] };
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'VpcNetworkInterfaces', actions: VPC_ACCESS_ACTIONS, resources: ['*'] }));
    fn.function.node.addDependency(fn.role);
  }

  /** What the documents function and the worker need with their own credentials: the registry and the model. */
  private grantPipeline(role: iam.IRole, props: DocumentsApiProps): void {
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'VectorRegistry',
        actions: ['ssm:GetParameter'],
        resources: [registryArn(stack, props.vectorRegistryPrefix, '*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EmbeddingModel',
        actions: ['bedrock:InvokeModel'],
        resources: [stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: props.pipeline.embeddingModelId })],
      }),
    );
  }

  /**
   * Sending to a KMS-encrypted queue needs `kms:GenerateDataKey` and `kms:Decrypt` on its key. The key
   * policy names the tenant functions' role, and only through SQS, so the role's own policies hold no
   * KMS right at all.
   */
  private allowSendThroughKeyPolicy(role: iam.IRole): void {
    const stack = Stack.of(this);
    this.queueKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TenantFunctionsSendThroughSqs',
        principals: [new iam.ArnPrincipal(role.roleArn)],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
  }

  /** The sweeper lists the registry and calls every collection; data access policies limit it to documents. */
  private grantSweeper(props: DocumentsApiProps): void {
    const stack = Stack.of(this);
    this.sweeperRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'VectorRegistry',
        actions: ['ssm:GetParametersByPath', 'ssm:GetParameter'],
        resources: [registryArn(stack, props.vectorRegistryPrefix, ''), registryArn(stack, props.vectorRegistryPrefix, '*')],
      }),
    );
    this.sweeperRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Collections',
        actions: ['aoss:APIAccessAll'],
        resources: [stack.formatArn({ service: 'aoss', resource: 'collection', resourceName: '*' })],
      }),
    );
  }

  private acknowledgeFindings(props: DocumentsApiProps): void {
    const stack = Stack.of(this);
    const registry = nagArn(stack, 'ssm', `parameter${props.vectorRegistryPrefix}*`);
    const networkInterfaces = 'Lambda creates and deletes the network interfaces of a function in a VPC itself; EC2 offers no resource-level permission for describing them (the AWSLambdaVPCAccessExecutionRole actions).';
    for (const role of [props.tenantFunctionsRole, this.workerFunction.role]) {
      Validations.of(role).acknowledge(
        { id: `AwsSolutions-IAM5[Resource::${registry}]`, reason: 'Each tenant stack writes its vector registry entry under this prefix; the functions read where a tenant\'s documents live and reach them only with that tenant\'s credentials.' },
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: networkInterfaces },
      );
    }
    Validations.of(this.sweeperRole).acknowledge(
      { id: `AwsSolutions-IAM5[Resource::${registry}]`, reason: 'The sweeper visits every tenant: it lists the vector registry, one entry per tenant stack.' },
      {
        id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'aoss', 'collection/*')}]`,
        reason: 'Siloed tenants\' collections are created by their own stacks, after this one; each tenant\'s data access policy admits the sweeper to that tenant\'s index only, to read and delete documents it cannot decrypt.',
      },
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: networkInterfaces },
    );
    acknowledgeComplianceRule(
      this.sweeperFunction.function,
      'LambdaDLQ',
      'The hourly rule invokes the sweeper asynchronously and EventBridge retries twice; a sweep that still fails is repeated by the next hour\'s, which finds the same expired documents, so a dead-letter queue would hold nothing to act on.',
    );
  }
}

/** `arn:…:parameter/microplane/<env>/vectors` (the path itself) or `…/vectors/*` (its entries). */
function registryArn(stack: Stack, prefix: string, entries: '' | '*'): string {
  const path = prefix.replace(/^\//, '');
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: entries ? `${path}${entries}` : path.replace(/\/$/, '') });
}
