import { ArnFormat, Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { PlatformScope } from '../config/scopes';
import { acknowledgeComplianceRule, nagArn } from '../nag-ids';
import { MicroplaneFunction } from './microplane-function';
import { ServiceTokenKey } from './service-token-key';

/**
 * The Powertools packages the authorizer takes from the Powertools layer rather than its bundle: the
 * Tracer and, behind it, the X-Ray SDK (about 120 KB) would take the bundle past its 100 KB cap.
 */
export const AUTHORIZER_LAYER_PACKAGES: readonly string[] = ['@aws-lambda-powertools/tracer'];

/** Properties of {@link Gateway}. */
export interface GatewayProps {
  /** The environment name, part of the API's name. */
  readonly environmentName: string;
  /** The key that signs service tokens; the authorizer verifies with its public half. */
  readonly serviceTokenKey: ServiceTokenKey;
  /** SSM prefix of the app registry (`/microplane/<env>/apps/`), where the authorizer finds each app. */
  readonly appRegistryPrefix: string;
  /**
   * How long API Gateway caches an authorizer decision per token. Keep it short: a cached decision
   * outlives the token's expiry by at most this long.
   * @default Duration.seconds(60)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * How long access and function logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to log groups when removed.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Attach a WAF web ACL with AWS managed rules and a per-IP rate limit.
   * @default true
   */
  readonly waf?: boolean;
  /**
   * Requests per client IP per five minutes before WAF blocks it.
   * @default 2000
   */
  readonly wafRateLimitPer5Minutes?: number;
  /**
   * The stage name, the first segment of every URL path.
   * @default 'live'
   */
  readonly stageName?: string;
  /**
   * The `iss` of service tokens: an https URL without a trailing slash that serves
   * `/.well-known/openid-configuration`, e.g. a custom domain mapped to the stage.
   * @default - the stage's own URL, `https://<api id>.execute-api.<region>.<url suffix>/<stage>`
   */
  readonly issuer?: string;
}

const DEFAULT_STAGE_NAME = 'live';

/** Where the authorizer reads budget throttle states; see {@link Gateway.readThrottleStates}. */
export interface ThrottleStateSource {
  /** The throttle table, keyed by `subject`. */
  readonly table: dynamodb.ITable;
  /** The value of a throttled tenant's usage key, with `{tenantId}` in place of the tenant id. */
  readonly throttledUsageKeyTemplate: string;
  /**
   * How long the authorizer caches a tenant's or app's state per container.
   * @default Duration.seconds(30)
   */
  readonly stateCacheTtl?: Duration;
}

/** A route that needs a service token, and the scope it requires. */
export interface TenantRoute {
  /** HTTP method. */
  readonly method: string;
  /** Resource path, e.g. `/v1/notes/{id}`. */
  readonly path: string;
  /** The scope a token must carry. */
  readonly scope: PlatformScope;
}

/** Options of {@link Gateway.addTenantRoute}. */
export interface TenantRouteOptions {
  /**
   * A JSON body model API Gateway validates before the function runs (400 `invalid_body` otherwise).
   * @default - the body is not validated by API Gateway
   */
  readonly requestModel?: apigw.IModel;
}

/**
 * What the authorizer's identity source must look like, else API Gateway answers 401 without calling
 * it. The scheme is case-insensitive (RFC 9110 §11.1); character classes, not flags, because API
 * Gateway's regex dialect is not JavaScript's.
 */
export const BEARER_VALIDATION_REGEX = '^[Bb][Ee][Aa][Rr][Ee][Rr] +[-_A-Za-z0-9]+\\.[-_A-Za-z0-9]+\\.[-_A-Za-z0-9]+$';

/** The challenge of every 401 (RFC 6750 §3): the functions send the same. */
const BEARER_CHALLENGE = 'Bearer realm="microplane"';

/** Error codes of the `{code, message, details}` envelope for API Gateway's own responses. */
const GATEWAY_RESPONSES: ReadonlyArray<[apigw.ResponseType, string, string]> = [
  [apigw.ResponseType.UNAUTHORIZED, '401', 'unauthorized'],
  [apigw.ResponseType.ACCESS_DENIED, '403', 'forbidden'],
  [apigw.ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'not_found'],
  [apigw.ResponseType.THROTTLED, '429', 'throttled'],
  [apigw.ResponseType.QUOTA_EXCEEDED, '429', 'quota_exceeded'],
  [apigw.ResponseType.BAD_REQUEST_BODY, '400', 'invalid_body'],
  [apigw.ResponseType.BAD_REQUEST_PARAMETERS, '400', 'invalid_parameters'],
  [apigw.ResponseType.REQUEST_TOO_LARGE, '413', 'payload_too_large'],
  [apigw.ResponseType.DEFAULT_4XX, '400', 'bad_request'],
  [apigw.ResponseType.DEFAULT_5XX, '500', 'internal_error'],
];

/**
 * Body and parameter errors also say what failed validation. `escapeJavaScript` makes the text safe
 * inside a JSON string, except that it escapes single quotes, which JSON does not allow: undo that.
 */
const VALIDATION_DETAIL = String.raw`,"validation":"$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\'","'")"`;
const VALIDATED_RESPONSES = new Set(['BAD_REQUEST_BODY', 'BAD_REQUEST_PARAMETERS']);

/** Access log line: JSON, one per request, with the tenant and app the authorizer resolved. */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  method: '$context.httpMethod',
  path: '$context.resourcePath',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  tenantId: '$context.authorizer.tenantId',
  appId: '$context.authorizer.appId',
  tokenId: '$context.authorizer.tokenId',
  error: '$context.error.message',
  xrayTraceId: '$context.xrayTraceId',
};

/**
 * The platform's REST API. A Lambda authorizer verifies service tokens, allows exactly the routes
 * whose scopes the token carries, and names the calling app's usage key, so per-app usage plans meter
 * callers who never hold an API key. Every error API Gateway produces itself uses the
 * `{code, message, details}` envelope; access logs are JSON with tenant and app ids.
 */
export class Gateway extends Construct {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** The deployed stage. */
  public readonly stage: apigw.Stage;
  /** The authorizer function. */
  public readonly authorizerFunction: MicroplaneFunction;
  /** The access log group. */
  public readonly accessLogs: logs.LogGroup;
  /** The `iss` of service tokens, without a trailing slash; it serves the OIDC discovery document. */
  public readonly issuer: string;
  private readonly authorizerCacheTtl: Duration;
  private authorizer?: apigw.TokenAuthorizer;
  private readonly validator: apigw.RequestValidator;
  private readonly routes: TenantRoute[] = [];

  constructor(scope: Construct, id: string, props: GatewayProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.api = this.createApi(props, removalPolicy);
    this.stage = this.api.deploymentStage;
    this.issuer = props.issuer ?? this.stageUrl(props.stageName ?? DEFAULT_STAGE_NAME);
    this.validator = this.api.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    this.addErrorEnvelopes();

    this.authorizerFunction = new MicroplaneFunction(this, 'Authorizer', {
      handlerName: 'authorizer',
      invokedBy: 'API Gateway, as the REST API\'s token authorizer',
      description: 'Verifies service tokens and allows the routes their scopes cover',
      powertoolsLayerPackages: AUTHORIZER_LAYER_PACKAGES,
      logRetention,
      removalPolicy,
      environment: {
        SIGNING_KEY_ARN: props.serviceTokenKey.key.keyArn,
        SERVICE_TOKEN_ISSUER: this.issuer,
        SERVICE_TOKEN_AUDIENCE: props.serviceTokenKey.audience,
        APP_REGISTRY_PREFIX: props.appRegistryPrefix,
        ROUTE_SCOPES: Lazy.string({ produce: () => JSON.stringify(this.routes) }),
      },
    });
    props.serviceTokenKey.grantReadPublicKey(this.authorizerFunction.role);
    grantReadAppRegistry(this.authorizerFunction, props.appRegistryPrefix);
    this.authorizerCacheTtl = props.authorizerCacheTtl ?? Duration.seconds(60);

    if (props.waf ?? true) {
      this.attachWebAcl(props);
    } else {
      Validations.of(this.stage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: 'WAF is switched off for this environment in its config (gateway.waf: false).',
      });
      acknowledgeComplianceRule(this.stage, 'APIGWAssociatedWithWAF', 'WAF is switched off for this environment in its config (gateway.waf: false).');
    }
    this.acknowledgeComplianceFindings();
  }

  private acknowledgeComplianceFindings(): void {
    acknowledgeComplianceRule(
      this.stage,
      'APIGWCacheEnabledAndEncrypted',
      'Responses are per tenant, app and caller; a stage cache keyed on the request path could serve one tenant\'s data to another, so the stage caches nothing (the authorizer decision cache is separate and keyed on the token).',
    );
    acknowledgeComplianceRule(
      this.stage,
      'APIGWSSLEnabled',
      'Every integration is a Lambda proxy (AWS_PROXY) invoked through the Lambda API with IAM; a client certificate only authenticates the gateway to HTTP backends, of which there are none.',
    );
  }

  /**
   * Makes the authorizer consult budget throttle states: a throttled tenant's calls are metered on its
   * throttled usage key, a blocked tenant or app is denied (403). Its role may read single items of the
   * table, nothing else.
   */
  public readThrottleStates(source: ThrottleStateSource): void {
    const fn = this.authorizerFunction.function;
    fn.addEnvironment('THROTTLE_TABLE_NAME', source.table.tableName);
    fn.addEnvironment('THROTTLED_USAGE_KEY_TEMPLATE', source.throttledUsageKeyTemplate);
    fn.addEnvironment('THROTTLE_STATE_CACHE_SECONDS', String((source.stateCacheTtl ?? Duration.seconds(30)).toSeconds()));
    source.table.grant(this.authorizerFunction.role, 'dynamodb:GetItem', 'dynamodb:BatchGetItem');
    source.table.encryptionKey?.grantDecrypt(this.authorizerFunction.role);
  }

  /** The routes that need a service token, with their scopes. */
  public get tenantRoutes(): readonly TenantRoute[] {
    return [...this.routes];
  }

  /** The base URL of the deployed stage. */
  public get url(): string {
    return this.api.url;
  }

  /**
   * Adds a route that needs a service token carrying `scope`; the call is metered on the calling
   * app's usage plan.
   */
  public addTenantRoute(
    method: string,
    path: string,
    handler: lambda.IFunction,
    scope: PlatformScope,
    options: TenantRouteOptions = {},
  ): apigw.Method {
    this.routes.push({ method, path, scope });
    const route = this.api.root.resourceForPath(path).addMethod(method, new apigw.LambdaIntegration(handler), {
      authorizationType: apigw.AuthorizationType.CUSTOM,
      authorizer: this.tokenAuthorizer(),
      apiKeyRequired: true,
      requestValidator: this.validator,
      requestParameters: { 'method.request.header.Authorization': true },
      requestModels: options.requestModel ? { 'application/json': options.requestModel } : undefined,
    });
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'Tenant routes accept only short-lived service tokens from the token exchange, verified by the Lambda authorizer; long-lived Cognito user tokens are refused by design.',
    });
    return route;
  }

  /**
   * Adds a route anyone may call, such as the token endpoint; it is throttled by the stage and WAF,
   * not by a usage plan. `reason` says why it needs no token and lands in the cdk-nag acknowledgement.
   */
  public addPublicRoute(method: string, path: string, handler: lambda.IFunction, reason: string): apigw.Method {
    const route = this.api.root.resourceForPath(path).addMethod(method, new apigw.LambdaIntegration(handler), {
      authorizationType: apigw.AuthorizationType.NONE,
      requestValidator: this.validator,
    });
    Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    Validations.of(route).acknowledge({ id: 'AwsSolutions-COG4', reason });
    return route;
  }

  /** API Gateway refuses an authorizer no method uses, so it is created with the first tenant route. */
  private tokenAuthorizer(): apigw.TokenAuthorizer {
    this.authorizer ??= new apigw.TokenAuthorizer(this, 'ServiceTokenAuthorizer', {
      authorizerName: 'service-token',
      handler: this.authorizerFunction.function,
      identitySource: apigw.IdentitySource.header('Authorization'),
      validationRegex: BEARER_VALIDATION_REGEX,
      resultsCacheTtl: this.authorizerCacheTtl,
    });
    return this.authorizer;
  }

  private createApi(props: GatewayProps, removalPolicy: RemovalPolicy): apigw.RestApi {
    const api = new apigw.RestApi(this, 'Api', {
      restApiName: `microplane-${props.environmentName}`,
      description: `Microplane ${props.environmentName}: token exchange and tenant APIs`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: removalPolicy,
      minCompressionSize: undefined,
      deployOptions: {
        stageName: props.stageName ?? DEFAULT_STAGE_NAME,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        // Request and response bodies carry tokens and personal data: never log them.
        dataTraceEnabled: false,
        throttlingRateLimit: 1000,
        throttlingBurstLimit: 500,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const cloudWatchRole = api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason: 'API Gateway needs this account-level role to write execution logs; AWS maintains the policy for exactly that purpose.',
      });
    }
    return api;
  }

  /**
   * `https://<api id>.execute-api.<region>.<suffix>/<stage>`, built from the API id and the literal
   * stage name: `api.url` and `stage.stageName` reference the Stage, which depends on the methods,
   * which depend on the authorizer function that needs this URL, a circular dependency.
   */
  private stageUrl(stageName: string): string {
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;
  }

  private addErrorEnvelopes(): void {
    for (const [type, statusCode, code] of GATEWAY_RESPONSES) {
      const challenge: Record<string, string> = statusCode === '401' ? { 'WWW-Authenticate': `'${BEARER_CHALLENGE}'` } : {};
      this.api.addGatewayResponse(`Error${code}${statusCode}`, {
        type,
        statusCode,
        responseHeaders: { 'Content-Type': "'application/json'", ...challenge },
        templates: {
          'application/json': `{"code":"${code}","message":$context.error.messageString,"details":{"requestId":"$context.requestId"${VALIDATED_RESPONSES.has(type.responseType) ? VALIDATION_DETAIL : ''}}}`,
        },
      });
    }
  }

  private attachWebAcl(props: GatewayProps): void {
    const rateLimit = props.wafRateLimitPer5Minutes ?? 2000;
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: name,
    });
    const managedRule = (priority: number, name: string): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      visibilityConfig: visibility(name),
    });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('microplane-gateway'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        managedRule(1, 'AWSManagedRulesCommonRuleSet'),
        managedRule(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.stage.stageArn,
      webAclArn: acl.attrArn,
    });
    this.logWebAcl(acl, props);
  }

  /** Blocked and counted requests, for incident reviews; the Authorization header never reaches the log. */
  private logWebAcl(acl: wafv2.CfnWebACL, props: GatewayProps): void {
    const logGroup = new logs.LogGroup(this, 'WebAclLogs', {
      // WAF writes only to log groups whose name starts with aws-waf-logs-.
      logGroupName: `aws-waf-logs-microplane-${props.environmentName}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WebAclLogging', {
      resourceArn: acl.attrArn,
      logDestinationConfigs: [Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }
}

/** Lets a function read app registry entries, which tenant stacks write under one prefix. */
export function grantReadAppRegistry(fn: MicroplaneFunction, registryPrefix: string): void {
  const stack = Stack.of(fn);
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:GetParameter'],
      resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${registryPrefix.replace(/^\//, '')}*` })],
    }),
  );
  Validations.of(fn.role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ssm', `parameter${registryPrefix}*`)}]`,
    reason: 'Each tenant stack writes one registry parameter per app under this prefix; the function reads only that prefix.',
  });
}
