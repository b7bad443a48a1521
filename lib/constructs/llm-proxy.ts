import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROXY_CONFIG_FILE, type ProxyConfig } from '../../lambdas/llm-proxy/proxy-config';
import { DATA_CLASSIFICATIONS, isPrivateModel, KNOWN_MODEL_PRICES, type ModelsConfig } from '../config/schema';
import type { PromptTemplateConfig } from '../config/prompts';
import { acknowledgeComplianceRule, nagArn } from '../nag-ids';
import { tenantRoleName } from '../platform-parameters';
import { VPC_ACCESS_ACTIONS } from './documents-api';
import type { Gateway } from './gateway';
import { MicroplaneFunction } from './microplane-function';

/** The route of the proxy and the scope it requires. */
export const LLM_COMPLETE_ROUTE = { method: 'POST', path: '/v1/llm/complete', scope: 'llm.complete' } as const;

/**
 * Where the proxy reaches privately hosted models (see `importPrivateModelAccess` of the models stack):
 * a VPC, a security group the model servers admit, and their URLs.
 */
export interface PrivateModelAccess {
  /** The VPC of the model servers; the proxy runs in its private subnets (with NAT egress to AWS APIs). */
  readonly vpc: ec2.IVpc;
  /** A security group the model servers' load balancers admit; the proxy's network interfaces join it. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** JSON of private model name to base URL (`http://host:port/v1`), usually resolved at deploy time. */
  readonly endpointsJson: string;
}

/** Properties of {@link LlmProxy}. */
export interface LlmProxyProps {
  /** The gateway the route is added to. */
  readonly gateway: Gateway;
  /** The environment name, part of table names, the key alias and tenant role and key names. */
  readonly environmentName: string;
  /** The environment's model policy. */
  readonly models: ModelsConfig;
  /**
   * The server-side prompt templates.
   * @default - none: only apps allowed free-form prompts can use the proxy
   */
  readonly templates?: readonly PromptTemplateConfig[];
  /** SSM prefix of the app registry (`/microplane/<env>/apps/`), where each app's LLM policy is. */
  readonly appRegistryPrefix: string;
  /**
   * Where privately hosted models are; required when the model policy names `private:` models.
   * @default - no private models: the proxy runs outside any VPC and calls Bedrock only
   */
  readonly privateModels?: PrivateModelAccess;
  /**
   * How long a model call may take before the proxy answers 504; API Gateway gives up at 29 seconds.
   * @default Duration.seconds(25)
   */
  readonly modelTimeout?: Duration;
  /**
   * How long function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the tables, their key and the log group when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The LLM-safe proxy: `POST /v1/llm/complete` on one function that renders server-side templates,
 * redacts personal data, picks a model by the app's data class, enforces output caps and per-app daily
 * token budgets (a DynamoDB table of atomic counters), calls Bedrock (Converse, with the environment's
 * guardrail) or a privately hosted model, and caches deterministic completions sealed under the
 * tenant's key. Templates and the model policy ship in a layer built at synth, so changing a template is
 * a deploy of this stack only.
 */
export class LlmProxy extends Construct {
  /** The proxy function. */
  public readonly proxyFunction: MicroplaneFunction;
  /** Per-app daily token counters. */
  public readonly usageTable: dynamodb.Table;
  /** Sealed deterministic completions, until their TTL. */
  public readonly cacheTable: dynamodb.Table;
  /** The key of both tables. */
  public readonly tablesKey: kms.Key;
  /** The proxy's configuration (templates and model policy), as shipped in its layer. */
  public readonly proxyConfig: ProxyConfig;

  constructor(scope: Construct, id: string, props: LlmProxyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.proxyConfig = proxyConfigOf(props.environmentName, props.models, props.templates ?? []);
    this.assertPrivateModelsReachable(props);

    this.tablesKey = new kms.Key(this, 'TablesKey', {
      description: `Microplane ${props.environmentName}: the LLM proxy's token counters and completion cache`,
      alias: `alias/microplane/${props.environmentName}/llm-proxy`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });
    this.usageTable = this.createTable('UsageTable', `microplane-${props.environmentName}-llm-token-usage`, removalPolicy);
    this.cacheTable = this.createTable('CacheTable', `microplane-${props.environmentName}-llm-cache`, removalPolicy);

    this.proxyFunction = new MicroplaneFunction(this, 'Proxy', {
      handlerName: 'llm-proxy',
      description: 'POST /v1/llm/complete: server-side templates, redaction, model policy, token budgets, to Bedrock or private models',
      logRetention: props.logRetention,
      removalPolicy,
      memorySize: 512,
      timeout: Duration.seconds(29),
      environment: {
        APP_REGISTRY_PARAMETER_PREFIX: props.appRegistryPrefix,
        TOKEN_USAGE_TABLE_NAME: this.usageTable.tableName,
        COMPLETION_CACHE_TABLE_NAME: this.cacheTable.tableName,
        TENANT_ROLE_ARN_TEMPLATE: stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: tenantRoleName(props.environmentName, '{tenantId}') }),
        TENANT_KEY_ALIAS_PREFIX: `alias/microplane/${props.environmentName}/`,
        MODEL_TIMEOUT_MS: String((props.modelTimeout ?? Duration.seconds(25)).toMilliseconds()),
        ...(props.privateModels ? { PRIVATE_MODEL_ENDPOINTS: props.privateModels.endpointsJson } : {}),
      },
    });
    this.proxyFunction.function.addLayers(this.configLayer());
    if (props.privateModels) this.placeInModelNetwork(props.privateModels);
    this.grantProxy(props);
    props.gateway.addTenantRoute(LLM_COMPLETE_ROUTE.method, LLM_COMPLETE_ROUTE.path, this.proxyFunction.function, LLM_COMPLETE_ROUTE.scope);
    this.acknowledgeFindings(props);
  }

  private createTable(id: string, tableName: string, removalPolicy: RemovalPolicy): dynamodb.Table {
    return new dynamodb.Table(this, id, {
      tableName,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.tablesKey,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }

  /** The proxy config as a layer: `/opt/microplane/llm-proxy.json`, a new version whenever it changes. */
  private configLayer(): lambda.LayerVersion {
    const text = `${JSON.stringify(this.proxyConfig, null, 2)}\n`;
    const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
    const dir = path.join(os.tmpdir(), 'microplane-llm-proxy-config', digest);
    const file = path.join(dir, PROXY_CONFIG_FILE);
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    return new lambda.LayerVersion(this, 'ConfigLayer', {
      code: lambda.Code.fromAsset(dir),
      description: `Microplane ${this.proxyConfig.environmentName}: LLM proxy templates and model policy (${digest})`,
      removalPolicy: RemovalPolicy.RETAIN, // a running version of the function may still use the previous layer
    });
  }

  /** A `private:` model in the policy with nowhere to reach it is a synth error, not a 503 in production. */
  private assertPrivateModelsReachable(props: LlmProxyProps): void {
    const privateModels = DATA_CLASSIFICATIONS.flatMap((dataClass) => this.proxyConfig.allowedByClassification[dataClass]).filter(isPrivateModel);
    if (privateModels.length > 0 && !props.privateModels) {
      throw new Error(`LlmProxy ${this.node.path}: the model policy allows ${[...new Set(privateModels)].join(', ')}, but no privateModels access was given (enable modelHosting)`);
    }
  }

  /** Runs the proxy in the model VPC's private subnets, in the group the model servers admit. */
  private placeInModelNetwork(access: PrivateModelAccess): void {
    const fn = this.proxyFunction;
    const cfn = fn.function.node.defaultChild as lambda.CfnFunction;
    cfn.vpcConfig = {
      subnetIds: access.vpc.selectSubnets({ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }).subnetIds,
      securityGroupIds: [access.securityGroup.securityGroupId],
    };
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'VpcNetworkInterfaces', actions: VPC_ACCESS_ACTIONS, resources: ['*'] }));
    fn.function.node.addDependency(fn.role);
  }

  /** The app registry, the allowed Bedrock models and guardrail, the two tables and breach events on the default bus. */
  private grantProxy(props: LlmProxyProps): void {
    const stack = Stack.of(this);
    const role = this.proxyFunction.role;
    const registryPath = props.appRegistryPrefix.replace(/^\//, '');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'AppRegistry', actions: ['ssm:GetParameter'], resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${registryPath}*` })] }),
    );
    const bedrockModels = bedrockModelsOf(this.proxyConfig);
    if (bedrockModels.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'AllowedModels', actions: ['bedrock:InvokeModel'], resources: bedrockModels.flatMap((model) => modelResourceArns(stack, model)) }),
      );
    }
    const guardrail = this.proxyConfig.guardrail;
    if (guardrail) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'Guardrail',
          actions: ['bedrock:ApplyGuardrail'],
          resources: [guardrail.id.startsWith('arn:') ? guardrail.id : stack.formatArn({ service: 'bedrock', resource: 'guardrail', resourceName: guardrail.id })],
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'TokenCounters', actions: ['dynamodb:UpdateItem'], resources: [this.usageTable.tableArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'CompletionCache', actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [this.cacheTable.tableArn] }),
    );
    // DynamoDB uses the table key on the caller's behalf: these four, not the wildcards of grantEncryptDecrypt.
    this.tablesKey.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'BreachEvents',
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
      }),
    );
  }

  private acknowledgeFindings(props: LlmProxyProps): void {
    const stack = Stack.of(this);
    const acknowledgements = [
      {
        id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ssm', `parameter${props.appRegistryPrefix}*`)}]`,
        reason: 'Each tenant stack writes its apps\' registry entries under this prefix; the proxy reads the calling app\'s entry (its data class, models and limits) by the app id the authorizer verified.',
      },
    ];
    if (props.privateModels) {
      acknowledgements.push({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Lambda creates and deletes the network interfaces of a function in a VPC itself; EC2 offers no resource-level permission for describing them (the AWSLambdaVPCAccessExecutionRole actions).',
      });
    }
    const inferenceProfiles = bedrockModelsOf(this.proxyConfig).filter(isInferenceProfile);
    if (inferenceProfiles.length > 0) {
      for (const model of inferenceProfiles) {
        acknowledgements.push({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${model.slice(3)}]`,
          reason: `The cross-region inference profile ${model} routes each call to the model in any region of its geography; Bedrock checks the right on the foundation model in the region that serves it.`,
        });
      }
    }
    Validations.of(this.proxyFunction.role).acknowledge(...acknowledgements);
    acknowledgeComplianceRule(
      this.usageTable,
      'DynamoDBInBackupPlan',
      'Daily token counters that expire two days after their day; point-in-time recovery keeps them for audits, and a restored counter would only re-enforce a day that is over.',
    );
    acknowledgeComplianceRule(
      this.cacheTable,
      'DynamoDBInBackupPlan',
      'A cache of completions that expire within the configured TTL (at most a week), sealed under tenant keys; losing it costs only repeated model calls, so there is nothing worth restoring.',
    );
  }
}

/** What the proxy ships: the templates, and the model policy with the price of every allowed model. */
export function proxyConfigOf(environmentName: string, models: ModelsConfig, templates: readonly PromptTemplateConfig[]): ProxyConfig {
  const allowed = DATA_CLASSIFICATIONS.flatMap((dataClass) => models.allowedByClassification[dataClass]);
  const prices = Object.fromEntries(
    [...new Set(allowed)]
      .filter((model) => !isPrivateModel(model))
      .sort()
      .map((model) => [model, models.prices[model] ?? KNOWN_MODEL_PRICES[model]]),
  );
  return {
    environmentName,
    templates: templates.map(({ id, version, apps, system, user, variables, maxOutputTokens, temperature }) => ({
      id,
      version,
      apps: [...apps],
      system,
      user,
      variables: Object.fromEntries(Object.entries(variables).map(([name, { description: _description, ...spec }]) => [name, spec])),
      maxOutputTokens,
      temperature,
    })),
    allowedByClassification: models.allowedByClassification,
    prices,
    redaction: models.redaction,
    ...(models.guardrail ? { guardrail: models.guardrail } : {}),
    cacheTtlSeconds: models.cacheTtlSeconds,
  };
}

function bedrockModelsOf(config: ProxyConfig): string[] {
  return [...new Set(DATA_CLASSIFICATIONS.flatMap((dataClass) => config.allowedByClassification[dataClass]))].filter((model) => !isPrivateModel(model)).sort();
}

/** A cross-region inference profile id: `eu.amazon.nova-lite-v1:0`. */
function isInferenceProfile(model: string): boolean {
  return /^[a-z]{2}\./.test(model);
}

/**
 * What `bedrock:InvokeModel` must name for a model: the foundation model, or for an inference profile
 * the profile and the foundation model in every region it may route to.
 */
function modelResourceArns(stack: Stack, model: string): string[] {
  if (!isInferenceProfile(model)) return [stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: model })];
  return [
    stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: model }),
    stack.formatArn({ service: 'bedrock', region: '*', account: '', resource: 'foundation-model', resourceName: model.slice(3) }),
  ];
}
