import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { PromptTemplateConfig } from '../config/prompts';
import { EnvironmentConfig } from '../config/schema';
import { BudgetThrottling } from '../constructs/budget-throttling';
import { DocumentsApi } from '../constructs/documents-api';
import { Gateway } from '../constructs/gateway';
import { Identity } from '../constructs/identity';
import { BREACH_REPORT_FAILURES_METRIC } from '../../lambdas/llm-proxy/breach-events';
import { LlmProxy } from '../constructs/llm-proxy';
import { MicroplaneFunction } from '../constructs/microplane-function';
import { ModelInvocationLogging } from '../constructs/model-invocation-logging';
import { PlatformMonitoring } from '../constructs/platform-monitoring';
import { PlatformNetwork } from '../constructs/platform-network';
import { SchemaProvisioner, schemaProvisionerRoleName } from '../constructs/schema-provisioner';
import { SecretRotation } from '../constructs/secret-rotation';
import { TenantApi } from '../constructs/tenant-api';
import { TenantDatabase } from '../constructs/tenant-database';
import { ServiceTokenKey } from '../constructs/service-token-key';
import { ServiceTokenProvider } from '../constructs/service-token-provider';
import { TokenExchange } from '../constructs/token-exchange';
import { THROTTLED_PLAN, UsagePlans } from '../constructs/usage-plans';
import { VectorStore } from '../constructs/vector-store';
import {
  AOSS_POLICY_NAME_MAX,
  boundedName,
  platformDataKeyAlias,
  platformLogsKeyAlias,
  PlatformParameters,
  pooledClusterIdentifier,
  pooledCollectionName,
  tenantFunctionsRoleName,
  vectorsKeyAlias,
} from '../platform-parameters';
import { importPrivateModelAccess } from './models-stack';
import { addStackPolicies, cognitoSettings, provideAvailabilityZones, removalPolicyOf } from './settings';

/** Properties of {@link PlatformStack}. */
export interface PlatformStackProps extends StackProps {
  /** The environment's config. */
  readonly environment: EnvironmentConfig;
  /**
   * The server-side prompt templates of the LLM proxy (`config/prompts/`).
   * @default - none
   */
  readonly prompts?: readonly PromptTemplateConfig[];
}

/**
 * The shared pieces of one environment: identity, the service-token signing key, the gateway with its
 * authorizer and usage plans, the token exchange and the first tenant route. Nothing here depends on
 * which tenants exist, so onboarding a tenant never changes this stack.
 */
export class PlatformStack extends Stack {
  /** Where tenant stacks find this stack's values. */
  public readonly parameters: PlatformParameters;
  /** The Cognito user pool and resource server. */
  public readonly identity: Identity;
  /** The REST API and its authorizer. */
  public readonly gateway: Gateway;
  /** One usage plan per tier. */
  public readonly usagePlans: UsagePlans;
  /** The role tenant API functions run as; it holds no right to any tenant's role. */
  public readonly tenantFunctionsRole: iam.Role;
  /** The IAM OIDC provider through which STS accepts service tokens for tenant credentials. */
  public readonly serviceTokenProvider: ServiceTokenProvider;
  /** The VPC the databases live in. */
  public readonly network: PlatformNetwork;
  /** The cluster that holds pooled tenants' schemas. */
  public readonly pooledDatabase: TenantDatabase;
  /** Rotates every database login of the environment. */
  public readonly secretRotation: SecretRotation;
  /** Provisions and migrates every tenant schema. */
  public readonly schemaProvisioner: SchemaProvisioner;
  /** The pooled tenants' vector collection, when the environment's `vectors.enabled` is true. */
  public readonly vectorStore?: VectorStore;
  /** The documents routes, ingest queue and TTL sweeper, when the environment's `vectors.enabled` is true. */
  public readonly documentsApi?: DocumentsApi;
  /** The operators' dashboard, alarms and alarm topic. */
  public readonly monitoring: PlatformMonitoring;
  /** The budget topic, throttle state table and throttle function. */
  public readonly budgetThrottling: BudgetThrottling;
  /** `POST /v1/llm/complete`: the only path from an app to a model. */
  public readonly llmProxy: LlmProxy;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const env = props.environment;
    provideAvailabilityZones(this, env);
    const removalPolicy = removalPolicyOf(env);
    const logRetention = env.gateway.logRetentionDays as logs.RetentionDays;
    this.parameters = new PlatformParameters(env.name);
    Tags.of(this).add('microplane:component', 'platform');
    addStackPolicies(this, env, { alias: platformLogsKeyAlias(env.name), description: `Microplane ${env.name}: the platform's CloudWatch log groups` });

    const serviceTokenKey = new ServiceTokenKey(this, 'ServiceTokenKey', {
      environmentName: env.name,
      tokenLifetime: Duration.minutes(env.serviceToken.lifetimeMinutes),
      removalPolicy,
    });
    this.identity = new Identity(this, 'Identity', {
      environmentName: env.name,
      ...cognitoSettings(env),
      deletionProtection: env.removalPolicy === 'retain',
      removalPolicy,
      logRetention,
    });
    this.gateway = new Gateway(this, 'Gateway', {
      environmentName: env.name,
      serviceTokenKey,
      issuer: env.serviceToken.issuer,
      appRegistryPrefix: this.parameters.appRegistryPrefix,
      authorizerCacheTtl: Duration.seconds(env.gateway.authorizerCacheSeconds),
      logRetention,
      removalPolicy,
      waf: env.gateway.waf,
      wafRateLimitPer5Minutes: env.gateway.wafRateLimitPer5Minutes,
    });
    this.usagePlans = new UsagePlans(this, 'UsagePlans', {
      tiers: env.tiers,
      throttledTier: env.throttling.throttledTier,
      api: this.gateway.api,
      stage: this.gateway.stage,
      environmentName: env.name,
    });
    new TokenExchange(this, 'TokenExchange', {
      gateway: this.gateway,
      serviceTokenKey,
      userPool: this.identity.userPool,
      appRegistryPrefix: this.parameters.appRegistryPrefix,
      logRetention,
      removalPolicy,
    });

    this.serviceTokenProvider = new ServiceTokenProvider(this, 'ServiceTokenProvider', {
      issuer: this.gateway.issuer,
      audience: serviceTokenKey.audience,
      removalPolicy,
    });
    // IAM reads the issuer's certificate when it creates the provider: the stage must be live.
    this.serviceTokenProvider.node.addDependency(this.gateway.stage);

    this.tenantFunctionsRole = new iam.Role(this, 'TenantFunctionsRole', {
      roleName: tenantFunctionsRoleName(env.name),
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Tenant API functions: reach tenant data only with credentials exchanged for the caller\'s service token',
    });
    // whoami reads only the authorizer context: a role of its own, with nothing tenant-owned.
    const whoami = new MicroplaneFunction(this, 'WhoAmI', {
      handlerName: 'whoami',
      description: 'GET /v1/whoami: the calling tenant, app and scopes',
      logRetention,
      removalPolicy,
    });
    this.gateway.addTenantRoute('GET', '/v1/whoami', whoami.function, 'whoami.read');

    this.network = new PlatformNetwork(this, 'Network', { flowLogRetention: logRetention, removalPolicy, availabilityZones: env.availabilityZones });
    const dataKey = new kms.Key(this, 'DataKey', {
      description: `Microplane ${env.name}: the pooled database cluster and its admin secret`,
      alias: platformDataKeyAlias(env.name),
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.secretRotation = new SecretRotation(this, 'SecretRotation', { environmentName: env.name, logRetention, removalPolicy });
    this.pooledDatabase = new TenantDatabase(this, 'PooledDatabase', {
      vpc: this.network.vpc,
      encryptionKey: dataKey,
      adminSecretEncryptionKey: dataKey,
      adminSecretReaderArns: [this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: schemaProvisionerRoleName(env.name) })],
      adminSecretRotation: {
        functionArn: this.secretRotation.functionArn,
        roleArn: this.secretRotation.role.roleArn,
        interval: Duration.days(env.database.loginRotationDays),
      },
      clusterIdentifier: pooledClusterIdentifier(env.name),
      minCapacity: env.database.minCapacity,
      maxCapacity: env.database.maxCapacity,
      backupRetention: Duration.days(env.database.backupRetentionDays),
      monitoringInterval: Duration.seconds(env.database.monitoringIntervalSeconds),
      deletionProtection: env.removalPolicy === 'retain',
      removalPolicy,
    });
    this.schemaProvisioner = new SchemaProvisioner(this, 'SchemaProvisioner', {
      environmentName: env.name,
      logRetention,
      removalPolicy,
    });
    new TenantApi(this, 'TenantApi', {
      gateway: this.gateway,
      tenantFunctionsRole: this.tenantFunctionsRole,
      environmentName: env.name,
      tenantDatabasePrefix: this.parameters.tenantDatabasePrefix,
      logRetention,
      removalPolicy,
    });
    if (env.vectors.enabled) [this.vectorStore, this.documentsApi] = this.addVectors(env, logRetention);
    this.llmProxy = new LlmProxy(this, 'LlmProxy', {
      gateway: this.gateway,
      environmentName: env.name,
      models: env.models,
      templates: props.prompts,
      appRegistryPrefix: this.parameters.appRegistryPrefix,
      privateModels: env.modelHosting.enabled ? importPrivateModelAccess(this, 'PrivateModels', this.parameters) : undefined,
      logRetention,
      removalPolicy,
    });
    // Every Bedrock call of the environment is logged (metadata; no tenant text): see ModelInvocationLogging.
    new ModelInvocationLogging(this, 'ModelInvocationLogging', { environmentName: env.name, retention: logRetention, removalPolicy });
    this.monitoring = new PlatformMonitoring(this, 'Monitoring', {
      environmentName: env.name,
      api: this.gateway.api,
      stageName: this.gateway.stage.stageName,
      authorizerFunction: this.gateway.authorizerFunction.function,
      removalPolicy,
    });
    if (this.documentsApi) {
      this.monitoring.addFunctionErrorAlarm('DocumentsWorker', this.documentsApi.workerFunction.function);
      this.monitoring.addFunctionErrorAlarm('DocumentsSweeper', this.documentsApi.sweeperFunction.function);
      this.monitoring.addDeadLetterQueueAlarm('IngestDeadLetters', this.documentsApi.deadLetterQueue);
    }
    this.budgetThrottling = this.addBudgetThrottling(env, removalPolicy);
    this.monitoring.addServiceFailureAlarm(
      'TokenBudgetBreachReports',
      'llm-proxy',
      BREACH_REPORT_FAILURES_METRIC,
      'The LLM proxy refused an app over its token budget but could not report the breach to the throttle function (EventBridge or DynamoDB failed): read the proxy\'s "Token budget breach not reported" log lines.',
    );

    this.publishParameters();
    this.addOutputs();
  }

  /**
   * The budget topic, state table and throttle function; the authorizer reads the states, and tenant
   * stacks find the topic and the throttled plan through SSM.
   */
  private addBudgetThrottling(env: EnvironmentConfig, removalPolicy: RemovalPolicy): BudgetThrottling {
    const throttling = new BudgetThrottling(this, 'BudgetThrottling', {
      environmentName: env.name,
      removalPolicy,
      alarmActions: [new cloudwatchActions.SnsAction(this.monitoring.operatorTopic)],
    });
    this.gateway.readThrottleStates({
      table: throttling.table,
      throttledUsageKeyTemplate: throttling.throttledUsageKeyTemplate,
      stateCacheTtl: Duration.seconds(env.throttling.stateCacheSeconds),
    });
    const publish = (id: string, parameterName: string, stringValue: string, description: string) =>
      new ssm.StringParameter(this, id, { parameterName, stringValue, description: `Microplane: ${description}, read by tenant stacks` });
    publish('BudgetTopicParameter', this.parameters.budgetTopicArn, throttling.topic.topicArn, 'the ARN of the topic every budget notifies');
    publish('ThrottleStateTableParameter', this.parameters.throttleStateTableName, throttling.table.tableName, 'the throttle state table name');
    publish('ThrottledUsagePlanParameter', this.parameters.usagePlanId(THROTTLED_PLAN), this.usagePlans.throttledPlan!.usagePlanId, 'the usage plan id of throttled tenants');
    return throttling;
  }

  /**
   * The pooled tenants' collection under the platform's vectors key, reachable only through the data
   * network's OpenSearch Serverless endpoint, and the documents pipeline that uses it.
   */
  private addVectors(env: EnvironmentConfig, logRetention: logs.RetentionDays): [VectorStore, DocumentsApi] {
    const removalPolicy = removalPolicyOf(env);
    const vectorsKey = new kms.Key(this, 'VectorsKey', {
      description: `Microplane ${env.name}: the pooled tenants' vector collection`,
      alias: vectorsKeyAlias(env.name),
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    const endpoint = this.network.vectorSearchEndpoint(boundedName(`microplane-${env.name}-vectors`, AOSS_POLICY_NAME_MAX));
    const store = new VectorStore(this, 'VectorStore', {
      collectionName: pooledCollectionName(env.name),
      encryptionKey: vectorsKey,
      vpcEndpointId: endpoint.endpointId,
      standbyReplicas: env.vectors.standbyReplicas === 'enabled',
      description: `Microplane ${env.name}: documents of pooled tenants, one index per tenant`,
      removalPolicy,
    });
    const documents = new DocumentsApi(this, 'DocumentsApi', {
      gateway: this.gateway,
      environmentName: env.name,
      tenantFunctionsRole: this.tenantFunctionsRole,
      network: this.network,
      vectorSearchEndpoint: endpoint,
      vectorRegistryPrefix: this.parameters.vectorRegistryPrefix,
      pipeline: {
        embeddingModelId: env.vectors.embeddingModelId,
        embeddingDimensions: env.vectors.dimensions,
        syncIngestMaxBytes: env.vectors.syncIngestMaxBytes,
        chunkCharacters: env.vectors.chunkCharacters,
        chunkOverlapCharacters: env.vectors.chunkOverlapCharacters,
        defaultTtlDays: env.vectors.defaultTtlDays,
        maxTtlDays: env.vectors.maxTtlDays,
      },
      logRetention,
      removalPolicy,
    });
    const publish = (id: string, parameterName: string, stringValue: string, description: string) =>
      new ssm.StringParameter(this, id, { parameterName, stringValue, description: `Microplane: ${description}, read by tenant stacks` });
    publish('VectorsVpcEndpointParameter', this.parameters.vectorsVpcEndpointId, endpoint.endpointId, 'the OpenSearch Serverless VPC endpoint id that collections admit');
    publish('PooledCollectionArnParameter', this.parameters.pooledCollectionArn, store.collectionArn, 'the pooled vector collection ARN');
    publish('PooledCollectionEndpointParameter', this.parameters.pooledCollectionEndpoint, store.collectionEndpoint, 'the pooled vector collection endpoint');
    return [store, documents];
  }





  private publishParameters(): void {
    const publish = (id: string, parameterName: string, stringValue: string, description: string) =>
      new ssm.StringParameter(this, id, { parameterName, stringValue, description: `Microplane: ${description}, read by tenant stacks` });
    publish('UserPoolIdParameter', this.parameters.userPoolId, this.identity.userPool.userPoolId, 'the user pool id');
    publish(
      'ServiceTokenProviderParameter',
      this.parameters.serviceTokenProviderArn,
      this.serviceTokenProvider.providerArn,
      'the IAM OIDC provider ARN of service tokens, which tenant roles trust',
    );
    publish('VpcIdParameter', this.parameters.vpcId, this.network.vpc.vpcId, 'the data VPC id');
    this.network.dataSubnetIds.forEach((subnetId, index) =>
      publish(`DataSubnetParameter${index}`, this.parameters.dataSubnetId(index), subnetId, `data subnet ${index}`),
    );
    publish(
      'PooledAdminSecretParameter',
      this.parameters.pooledAdminSecretArn,
      this.pooledDatabase.adminSecret.secretArn,
      'the pooled cluster\'s admin secret ARN',
    );
    publish(
      'SecretRotationParameter',
      this.parameters.secretRotationFunctionArn,
      this.secretRotation.functionArn,
      'the ARN of the function that rotates database logins',
    );
    publish(
      'SchemaProvisionerParameter',
      this.parameters.schemaProvisionerServiceToken,
      this.schemaProvisioner.serviceToken,
      'the schema provisioner\'s service token',
    );
    for (const tier of this.usagePlans.tierNames) {
      new ssm.StringParameter(this, `UsagePlanParameter-${tier}`, {
        parameterName: this.parameters.usagePlanId(tier),
        stringValue: this.usagePlans.planFor(tier).usagePlanId,
        description: `Microplane: usage plan id of tier ${tier}, read by tenant stacks`,
      });
    }
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.gateway.url, description: 'Base URL of the gateway stage' });
    new CfnOutput(this, 'TokenEndpoint', { value: `${this.gateway.url}oauth2/token`, description: 'RFC 8693 token exchange' });
    new CfnOutput(this, 'JwksUrl', { value: `${this.gateway.url}.well-known/jwks.json`, description: 'Service token public keys' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'HostedSignInDomain', { value: this.identity.domain.baseUrl() });
  }
}
